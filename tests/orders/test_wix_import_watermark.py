"""The Wix import's watermark: cursor pages, and an order that fails holds it back until it is
applied or quarantined, while the orders after it are still applied."""

from __future__ import annotations

import dataclasses

import pytest

from server.domain.orders import MAX_ORDER_FAILURES, load_cursor
from server.orders.wix_import import import_wix_account
from tests.orders.helpers import quantity
from tests.orders.wix_env import OTHER_APP, line, order_row, wix_orders_env

pytestmark = pytest.mark.usefixtures("warehouses")


async def test_pages_of_two_import_every_order_and_move_the_watermark() -> None:
    async with wix_orders_env() as env:
        placed = [await env.place(line("MUG")) for _ in range(5)]
        deps = dataclasses.replace(env.deps, page_size=2)
        report = await import_wix_account(deps, env.account_id)
        cursor = await load_cursor(env.account_id)
        last = await env.updated(placed[-1])
    assert (report.orders, report.deducted, report.blocked) == (5, 5, False)
    assert await quantity("MUG", "A") == 5
    assert last is not None and cursor.watermark == last


async def test_a_failing_order_holds_the_watermark_until_quarantined() -> None:
    async with wix_orders_env() as env:
        before = await env.place(line("MUG"))
        broken = {"app_id": OTHER_APP, "product_id": "x" * 150}  # too long to store: fails
        bad = await env.place(line("BOWL"), broken)
        after = await env.place(line("TS-S"))
        first = await import_wix_account(env.deps, env.account_id)
        held = await load_cursor(env.account_id)
        for _ in range(MAX_ORDER_FAILURES - 1):
            last = await import_wix_account(env.deps, env.account_id)
        passed = await load_cursor(env.account_id)
        rows = {o: await order_row(env.account_id, o) for o in (before, bad, after)}
        times = {o: await env.updated(o) for o in (before, after)}
    assert (first.failed, first.blocked, first.deducted) == ([bad], True, 2)
    assert held.watermark == times[before]  # not past the failing order
    assert (last.quarantined, last.blocked) == (1, False)
    assert passed.watermark == times[after]
    assert rows[bad]["state"] == "QUARANTINED" and rows[bad]["failures"] == MAX_ORDER_FAILURES
    assert (rows[before]["state"], rows[after]["state"]) == ("DONE", "DONE")
    assert await quantity("BOWL", "A") == 10  # nothing of the failed order moved
