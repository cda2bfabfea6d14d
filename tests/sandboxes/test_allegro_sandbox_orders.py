"""Allegro sandbox: orders placed through the admin API, the event journal and checkout forms."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.marketplaces.test_allegro_harness import (
    SELLER,
    Env,
    allegro_env,
    clean_database,  # noqa: F401
)


async def _get(env: Env, path: str, params: Any = None) -> httpx.Response:
    assert env.tokens.tokens is not None
    return await env.raw.get(
        path, headers=env.headers(env.tokens.tokens.access_token), params=params
    )


async def _buy(env: Env, offer_id: str, quantity: int, **options: Any) -> dict[str, Any]:
    body = {"lines": [{"offerId": offer_id, "quantity": quantity}], **options}
    return await env.admin("POST", f"/sellers/{SELLER}/orders", json=body)  # type: ignore[no-any-return]


async def test_an_order_lowers_stock_and_selling_out_ends_the_offer() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 3)
        start = offer.available
        form = await _buy(env, offer.id, 2)
        assert offer.available == start - 2 and offer.sold == 2
        assert form["status"] == "READY_FOR_PROCESSING"
        assert form["lineItems"][0]["offer"]["external"] == {"id": offer.external_id}
        await _buy(env, offer.id, offer.available)
        assert offer.available == 0 and offer.status == "ENDED" and offer.ended_by == "EMPTY_STOCK"
        refused = await env.raw.post(
            f"/_sandbox/sellers/{SELLER}/orders", json={"lines": [{"offerId": offer.id}]}
        )
        assert refused.status_code == 409
        await env.admin("POST", f"/orders/{form['id']}/cancel", json={})
        assert offer.available == 0  # cancellation gives nothing back


async def test_event_journal_order_from_type_and_limits() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 5)
        unpaid = await _buy(env, offer.id, 1, paid=False)
        await _buy(env, offer.id, 1, duplicateReadyEvent=True, filledInBeforeBought=True)
        events = (await _get(env, "/order/events")).json()["events"]
        types = [e["type"] for e in events]
        assert types == [
            "BOUGHT",
            "FILLED_IN",
            "FILLED_IN",
            "BOUGHT",
            "READY_FOR_PROCESSING",
            "READY_FOR_PROCESSING",
        ]
        ids = [int(e["id"]) for e in events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        after = (await _get(env, "/order/events", {"from": events[2]["id"]})).json()["events"]
        assert [e["id"] for e in after] == [e["id"] for e in events[3:]]
        ready = (
            await _get(env, "/order/events", {"type": "READY_FOR_PROCESSING", "limit": 1})
        ).json()
        assert len(ready["events"]) == 1
        assert ready["events"][0]["order"]["checkoutForm"]["id"] != unpaid["id"]
        assert (await _get(env, "/order/events", {"limit": 1001})).status_code == 422
        assert (await _get(env, "/order/events", {"type": "SHIPPED"})).status_code == 422
        stats = (await _get(env, "/order/event-stats")).json()
        assert stats["latestEvent"]["id"] == events[-1]["id"]
        await env.admin("POST", f"/orders/{unpaid['id']}/pay")
        latest = (await _get(env, "/order/events", {"from": events[-1]["id"]})).json()["events"]
        assert [e["type"] for e in latest] == ["READY_FOR_PROCESSING"]
        env.clock.advance(61 * 24 * 3600)
        env.tokens.tokens = await env.issue_tokens()
        assert (await _get(env, "/order/events")).json()["events"] == []  # 60-day retention


async def test_checkout_forms_list_detail_and_errors() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 3)
        first = await _buy(env, offer.id, 1)
        env.clock.advance(5)
        second = await _buy(env, offer.id, 1, paid=False)
        listing = (await _get(env, "/order/checkout-forms")).json()
        assert listing["count"] == 2 and listing["totalCount"] == 2
        assert [f["id"] for f in listing["checkoutForms"]] == [second["id"], first["id"]]
        paid = (await _get(env, "/order/checkout-forms", {"status": "READY_FOR_PROCESSING"})).json()
        assert [f["id"] for f in paid["checkoutForms"]] == [first["id"]]
        assert (await _get(env, "/order/checkout-forms", {"limit": 101})).status_code == 422
        assert (await _get(env, "/order/checkout-forms", {"status": "LOST"})).status_code == 400
        detail = (await _get(env, f"/order/checkout-forms/{first['id']}")).json()
        assert {"id", "buyer", "status", "lineItems", "surcharges", "summary"} <= detail.keys()
        assert (await _get(env, "/order/checkout-forms/not-a-uuid")).status_code == 422
        assert (await _get(env, f"/order/checkout-forms/{uuid.uuid4()}")).status_code == 404


async def test_checkout_forms_by_update_time_and_sort() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 3)
        first = await _buy(env, offer.id, 1, paid=False)
        env.clock.advance(60)
        second = await _buy(env, offer.id, 1)
        env.clock.advance(60)
        await env.admin("POST", f"/orders/{first['id']}/pay")
        paid = (await _get(env, f"/order/checkout-forms/{first['id']}")).json()
        ascending = (await _get(env, "/order/checkout-forms", {"sort": "updatedAt"})).json()
        assert [f["id"] for f in ascending["checkoutForms"]] == [second["id"], first["id"]]
        since = {"updatedAt.gte": paid["updatedAt"], "sort": "-updatedAt"}
        recent = (await _get(env, "/order/checkout-forms", since)).json()
        assert [f["id"] for f in recent["checkoutForms"]] == [first["id"]]
        before = {"updatedAt.lte": second["updatedAt"]}
        older = (await _get(env, "/order/checkout-forms", before)).json()
        assert [f["id"] for f in older["checkoutForms"]] == [second["id"]]
        bought = (await _get(env, "/order/checkout-forms", {"sort": "lineItems.boughtAt"})).json()
        assert [f["id"] for f in bought["checkoutForms"]] == [first["id"], second["id"]]
        for bad in ({"sort": "updatedat"}, {"sort": "--updatedAt"}, {"updatedAt.gte": "yesterday"}):
            response = await _get(env, "/order/checkout-forms", bad)
            assert response.status_code == 400, bad  # spec E3: 400 for illegal values
            assert response.json()["errors"][0]["code"] == "VALIDATION_ERROR"
        naive = await _get(env, "/order/checkout-forms", {"updatedAt.gte": "2026-01-01T10:00:00"})
        assert naive.status_code == 400


async def test_merging_unpaid_forms_and_a_missing_event() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 3)
        one = await _buy(env, offer.id, 1, paid=False)
        two = await _buy(env, offer.id, 2, paid=False)
        paid = await _buy(env, offer.id, 1)
        merge = f"/sellers/{SELLER}/orders/merge"
        refused = await env.raw.post(
            f"/_sandbox{merge}", json={"orderIds": [one["id"], paid["id"]]}
        )
        assert refused.status_code == 409
        merged = await env.admin("POST", merge, json={"orderIds": [one["id"], two["id"]]})
        assert [item["id"] for item in merged["lineItems"]] == [
            one["lineItems"][0]["id"], two["lineItems"][0]["id"],
        ]  # fmt: skip
        for old in (one, two):
            assert (await _get(env, f"/order/checkout-forms/{old['id']}")).status_code == 404
        events = (await _get(env, "/order/events")).json()["events"]
        forms = [e["order"]["checkoutForm"]["id"] for e in events]
        assert forms.count(one["id"]) == 2, "a merged form's old events still read"
        assert [e["type"] for e in events if e["order"]["checkoutForm"]["id"] == merged["id"]] == [
            "BOUGHT", "FILLED_IN",
        ]  # fmt: skip
        await env.admin("POST", f"/orders/{merged['id']}/pay")
        drop = {"orderId": merged["id"], "types": ["READY_FOR_PROCESSING"]}
        dropped = await env.admin("POST", f"/sellers/{SELLER}/events/drop", json=drop)
        assert len(dropped["dropped"]) == 1
        after = (await _get(env, "/order/events")).json()["events"]
        assert "READY_FOR_PROCESSING" not in [
            e["type"] for e in after if e["order"]["checkoutForm"]["id"] == merged["id"]
        ]
        form = (await _get(env, f"/order/checkout-forms/{merged['id']}")).json()
        assert form["status"] == "READY_FOR_PROCESSING"


async def test_event_order_knob_and_one_fulfillment() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 3)
        order = ["READY_FOR_PROCESSING", "BUYER_CANCELLED", "BOUGHT"]
        form = await _buy(env, offer.id, 1, eventOrder=order, fulfilledByAllegro=True)
        events = (await _get(env, "/order/events")).json()["events"]
        assert [e["type"] for e in events] == order
        assert form["fulfillment"]["provider"] == {"id": "ALLEGRO"}
        allegro = {"fulfillment.provider.id": "ALLEGRO"}
        listed = (await _get(env, "/order/checkout-forms", allegro)).json()
        assert [f["id"] for f in listed["checkoutForms"]] == [form["id"]]
        unknown = {"lines": [{"offerId": offer.id}], "eventOrder": ["SHIPPED"]}
        refused = await env.raw.post(f"/_sandbox/sellers/{SELLER}/orders", json=unknown)
        assert refused.status_code == 409
