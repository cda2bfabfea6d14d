"""Allegro client over HTTP to the sandbox: order events, event stats and checkout forms."""

from __future__ import annotations

import datetime as dt

import pytest

from server.marketplaces.allegro.orders import allegro_time
from tests.marketplaces.test_allegro_harness import (
    SELLER,
    allegro_env,
    clean_database,  # noqa: F401
)


async def test_events_cursor_types_and_checkout_forms() -> None:
    async with allegro_env() as env:
        assert await env.client.latest_event_id() is None
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 4)
        lines = {"lines": [{"offerId": offer.id, "quantity": 2}]}
        paid = await env.admin("POST", f"/sellers/{SELLER}/orders", json=lines)
        unpaid = await env.admin("POST", f"/sellers/{SELLER}/orders", json={**lines, "paid": False})
        events = await env.client.order_events()
        assert [e.type for e in events] == [
            "BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "BOUGHT", "FILLED_IN",
        ]  # fmt: skip
        cursor = events[2].id
        assert [
            e.order.checkout_form.id
            for e in await env.client.order_events(after=cursor)
            if e.order.checkout_form
        ] == [unpaid["id"]] * 2
        ready = await env.client.order_events(types=["READY_FOR_PROCESSING"])
        assert len(ready) == 1
        line = ready[0].order.line_items[0]
        assert (line.offer.id, line.quantity) == (offer.id, 2)
        assert line.offer.external is not None and line.offer.external.id == offer.external_id
        assert await env.client.latest_event_id() == events[-1].id
        form = await env.client.checkout_form(paid["id"])
        assert form.status == "READY_FOR_PROCESSING" and form.line_items[0].quantity == 2
        page = await env.client.checkout_forms(status="FILLED_IN")
        assert [f.id for f in page.checkout_forms] == [unpaid["id"]] and page.total_count == 1
        everything = await env.client.checkout_forms(limit=1, offset=1)
        assert everything.count == 1 and everything.total_count == 2
        with pytest.raises(ValueError, match="limit"):
            await env.client.checkout_forms(limit=101)
        with pytest.raises(ValueError, match="limit"):
            await env.client.order_events(limit=1001)


async def test_checkout_forms_since_a_time_in_update_order() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 4)
        lines = {"lines": [{"offerId": offer.id, "quantity": 1}]}
        assert await env.client.latest_event() is None
        unpaid = await env.admin("POST", f"/sellers/{SELLER}/orders", json={**lines, "paid": False})
        env.clock.advance(30)
        fulfilled = await env.admin(
            "POST", f"/sellers/{SELLER}/orders", json={**lines, "fulfilledByAllegro": True}
        )
        latest = await env.client.latest_event()
        assert latest is not None and latest.occurred_at is not None
        env.clock.advance(30)
        await env.admin("POST", f"/orders/{unpaid['id']}/pay")
        everything = await env.client.checkout_forms(sort="updatedAt")
        assert [f.id for f in everything.checkout_forms] == [fulfilled["id"], unpaid["id"]]
        since = dt.datetime.fromisoformat(latest.occurred_at) + dt.timedelta(milliseconds=1)
        recent = await env.client.checkout_forms(updated_at_gte=since, sort="-updatedAt")
        assert [f.id for f in recent.checkout_forms] == [unpaid["id"]]
        until = await env.client.checkout_forms(updated_at_lte=since)
        assert [f.id for f in until.checkout_forms] == [fulfilled["id"]]
        form = until.checkout_forms[0]
        assert form.fulfillment is not None and form.fulfillment.provider is not None
        assert form.fulfillment.provider.id == "ALLEGRO"
        assert form.buyer is not None and form.buyer.login
        with pytest.raises(ValueError, match="sort"):
            await env.client.checkout_forms(sort="updated")


def test_allegro_time_has_milliseconds_and_z() -> None:
    moment = dt.datetime(2026, 1, 2, 4, 5, 6, 789999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert allegro_time(moment) == "2026-01-02T03:05:06.789Z"


async def test_event_refs_name_the_same_events_and_forms() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE" and o.available >= 4)
        lines = {"lines": [{"offerId": offer.id, "quantity": 1}]}
        await env.admin("POST", f"/sellers/{SELLER}/orders", json=lines)
        full = await env.client.order_events()
        refs = await env.client.order_event_refs(types=["BOUGHT", "READY_FOR_PROCESSING"])
        assert [(r.id, r.type) for r in refs] == [
            (e.id, e.type) for e in full if e.type in ("BOUGHT", "READY_FOR_PROCESSING")
        ]
        forms = {r.order.checkout_form.id for r in refs if r.order.checkout_form}
        assert forms == {e.order.checkout_form.id for e in full if e.order.checkout_form}
        with pytest.raises(ValueError, match="limit"):
            await env.client.order_event_refs(limit=0)
