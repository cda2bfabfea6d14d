"""Orders applied at once that name the same SKUs in opposite orders: no deadlock.

Each line locks its stock row as it moves; without `apply_order` locking the snapshot's stock
rows in SKU order first, order X (SKU-1, SKU-2) and order Y (SKU-2, SKU-1) applied by two
importers at once wait for each other and PostgreSQL aborts one with a deadlock
(`bench/orders.py` met it within 200 lines).
"""

from __future__ import annotations

import asyncio

import pytest

from server.domain.orders import OrderLineIn, OrderPhase, OrderSnapshot, apply_order
from tests.orders.helpers import allegro_account, operations, quantity, stocked_offer

pytestmark = pytest.mark.usefixtures("warehouses")
PAIRS = 25


def ready(form_id: str, *offers: str) -> OrderSnapshot:
    """A ready order with one unit of each offer, lines in the given order."""
    lines = tuple(
        OrderLineIn(external_line_id=f"{form_id}-{offer}", quantity=1, offer_id=offer)
        for offer in offers
    )
    return OrderSnapshot(
        external_id=form_id, phase=OrderPhase.READY, status="READY_FOR_PROCESSING", lines=lines
    )


def cancelled(snapshot: OrderSnapshot) -> OrderSnapshot:
    """The same order, cancelled."""
    return OrderSnapshot(
        external_id=snapshot.external_id,
        phase=OrderPhase.CANCELLED,
        status="CANCELLED",
        lines=snapshot.lines,
    )


async def test_crossed_orders_deduct_and_restock_without_deadlock() -> None:
    account = await allegro_account(("A",))
    await stocked_offer(account, "SKU-1", "111", {"A": 1000})
    await stocked_offer(account, "SKU-2", "222", {"A": 1000})
    orders = [
        ready(f"form-{n}", *(("111", "222") if n % 2 else ("222", "111"))) for n in range(2 * PAIRS)
    ]
    await asyncio.gather(*(apply_order(account, order) for order in orders))
    assert await operations("ORDER_DEDUCTION") == 4 * PAIRS
    await asyncio.gather(*(apply_order(account, cancelled(order)) for order in orders))
    assert await operations("ORDER_RESTOCK") == 4 * PAIRS
    assert (await quantity("SKU-1", "A"), await quantity("SKU-2", "A")) == (1000, 1000)
