"""Allegro client over HTTP to the sandbox: order events, event stats and checkout forms."""

from __future__ import annotations

import pytest

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
