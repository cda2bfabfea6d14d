"""Wix order import against the in-process sandbox and real PostgreSQL and Redis: deduct once,
restock once on cancel or refund (only when the account says so), conflicts, skipped lines."""

from __future__ import annotations

import asyncio

import pytest

from server.domain.alerts import Alert
from server.domain.db import fetch, fetch_one
from server.orders.wix_import import import_order_by_id, import_wix_account
from tests.orders.helpers import operations, quantity
from tests.orders.wix_env import OTHER_APP, line, order_row, set_restock, wix_orders_env

pytestmark = pytest.mark.usefixtures("warehouses")


async def rewind_watermark(account_id: int) -> None:
    """Move the account's watermark back an hour (a window overlapping everything again)."""
    await fetch(
        "UPDATE order_cursor SET watermark = watermark - interval '1 hour' WHERE account = {}",
        account_id,
    )


async def test_approved_order_deducts_once_across_repeated_and_overlapping_imports() -> None:
    async with wix_orders_env() as env:
        order = await env.place(line("MUG", 2), line("TS-M", 1))
        first = await import_wix_account(env.deps, env.account_id)
        again = await import_wix_account(env.deps, env.account_id)
        await rewind_watermark(env.account_id)
        rewound = await import_wix_account(env.deps, env.account_id)
        by_id = await import_order_by_id(env.deps, env.account_id, order)
        row = await order_row(env.account_id, order)
    assert (first.status, first.orders, first.deducted) == ("done", 1, 2)
    assert (again.orders, again.deducted) == (1, 0)  # the overlap reads it again
    assert (rewound.orders, rewound.deducted) == (1, 0)
    assert by_id is not None and by_id.deducted == 0
    assert (await quantity("MUG", "A"), await quantity("TS-M", "A")) == (8, 9)
    assert await operations("ORDER_DEDUCTION") == 2
    assert (row["state"], row["status"]) == ("DONE", "APPROVED/PAID")
    assert [item["status"] for item in row["lines"]] == ["DEDUCTED", "DEDUCTED"]


async def test_watermark_moves_past_applied_orders_and_starts_at_account_creation() -> None:
    async with wix_orders_env() as env:
        await import_wix_account(env.deps, env.account_id)
        start = await fetch_one(
            "SELECT c.watermark, a.created_at FROM order_cursor c "
            "JOIN marketplace_account a ON a.id = c.account WHERE c.account = {}",
            env.account_id,
        )
        await env.place(line("BOWL"))
        report = await import_wix_account(env.deps, env.account_id)
    assert start is not None and start["watermark"] == start["created_at"]
    assert report.watermark is not None and report.watermark > start["watermark"]
    assert await quantity("BOWL", "A") == 9


@pytest.mark.parametrize("action", ["cancel", "refund"])
async def test_cancel_or_refund_restocks_once(action: str) -> None:
    async with wix_orders_env() as env:
        order = await env.place(line("MUG", 3))
        await import_wix_account(env.deps, env.account_id)
        assert await quantity("MUG", "A") == 7
        changed = await env.act(order, action)
        reports = [await import_wix_account(env.deps, env.account_id) for _ in range(3)]
        await rewind_watermark(env.account_id)
        await import_wix_account(env.deps, env.account_id)
        await import_order_by_id(env.deps, env.account_id, order)
        row = await order_row(env.account_id, order)
    assert (changed["status"], changed["paymentStatus"]) == (
        ("CANCELED", "PAID") if action == "cancel" else ("APPROVED", "FULLY_REFUNDED")
    )
    assert [r.restocked for r in reports] == [1, 0, 0]
    assert await quantity("MUG", "A") == 10
    assert await operations("ORDER_RESTOCK") == 1
    assert row["state"] == "CANCELLED" and row["lines"][0]["status"] == "RESTOCKED"


@pytest.mark.parametrize("action", ["cancel", "refund"])
async def test_no_restock_when_the_account_says_so(action: str) -> None:
    async with wix_orders_env() as env:
        await set_restock(env.account_id, False)
        order = await env.place(line("MUG", 3))
        await import_wix_account(env.deps, env.account_id)
        await env.act(order, action)
        report = await import_wix_account(env.deps, env.account_id)
        row = await order_row(env.account_id, order)
    assert report.restocked == 0
    assert await quantity("MUG", "A") == 7
    assert await operations("ORDER_RESTOCK") == 0
    assert row["state"] == "CANCELLED" and row["lines"][0]["status"] == "DEDUCTED"


async def test_order_cancelled_before_import_moves_nothing() -> None:
    async with wix_orders_env() as env:
        order = await env.place(line("MUG", 3))
        await env.act(order, "cancel")
        await import_wix_account(env.deps, env.account_id)
        row = await order_row(env.account_id, order)
    assert await quantity("MUG", "A") == 10
    assert row["state"] == "CANCELLED" and row["lines"][0]["status"] == "CANCELLED"


async def test_unmatched_and_ambiguous_lines_become_conflicts(alerts: list[Alert]) -> None:
    async with wix_orders_env() as env:
        await fetch(  # the TS-M variant's listing now says TS-L: listing and SKU disagree
            "UPDATE listing SET product = 'TS-L' WHERE account = {} AND product = 'TS-M'",
            env.account_id,
        )
        order = await env.place(line("POSTER"), line("TS-M"), line("BOWL"))
        report = await import_wix_account(env.deps, env.account_id)
        again = await import_wix_account(env.deps, env.account_id)
        row = await order_row(env.account_id, order)
    reasons = [str(item["conflict_reason"]) for item in row["lines"]]
    assert [item["status"] for item in row["lines"]] == ["CONFLICT", "CONFLICT", "DEDUCTED"]
    assert reasons[0].startswith("unknown_item") and reasons[1].startswith("ambiguous")
    assert row["state"] == "CONFLICT"
    assert (report.conflicts, report.deducted, again.deducted) == (2, 1, 0)
    assert (await quantity("TS-M", "A"), await quantity("TS-L", "A")) == (10, 10)
    assert len([a for a in alerts if a.kind == "order_conflict"]) == 2  # not again on re-read


async def test_lines_of_other_apps_are_skipped() -> None:
    async with wix_orders_env() as env:
        gift = {"app_id": OTHER_APP, "product_id": "gift-card-50", "name": "Gift card"}
        order = await env.place(line("MUG"), gift)
        await import_wix_account(env.deps, env.account_id)
        row = await order_row(env.account_id, order)
    assert [(i["status"], i["name"]) for i in row["lines"]] == [
        ("DEDUCTED", "Mug"),
        ("SKIPPED", "Gift card"),
    ]
    assert "not a Wix Stores item" in str(row["lines"][1]["conflict_reason"])
    assert row["state"] == "DONE" and await quantity("MUG", "A") == 9


async def test_concurrent_imports_deduct_once() -> None:
    async with wix_orders_env() as env:
        order = await env.place(line("MUG", 2), line("BOWL", 1))
        results = await asyncio.gather(
            import_wix_account(env.deps, env.account_id),
            import_wix_account(env.deps, env.account_id),
            import_order_by_id(env.deps, env.account_id, order),
            import_order_by_id(env.deps, env.account_id, order),
        )
    statuses = sorted(report.status for report in results[:2])  # type: ignore[union-attr]
    assert statuses == ["busy", "done"]
    assert (await quantity("MUG", "A"), await quantity("BOWL", "A")) == (8, 9)
    assert await operations("ORDER_DEDUCTION") == 2


async def test_unknown_order_id_changes_nothing() -> None:
    async with wix_orders_env() as env:
        result = await import_order_by_id(
            env.deps, env.account_id, "00000000-0000-4000-8000-000000000000"
        )
    assert result is None
    assert await fetch("SELECT id FROM order_import") == []


async def test_orders_created_before_the_account_are_never_applied() -> None:
    async with wix_orders_env() as env:
        env.clock.tick(-3600)  # an order from an hour before the account was connected
        old = await env.place(line("MUG", 2))
        env.clock.tick(3600)
        await rewind_watermark(env.account_id)
        await import_wix_account(env.deps, env.account_id)
        await rewind_watermark(env.account_id)
        report = await import_wix_account(env.deps, env.account_id)
        by_id = await import_order_by_id(env.deps, env.account_id, old)
        await env.act(old, "cancel")  # changed now: listed again, still not ours
        cancelled = await import_wix_account(env.deps, env.account_id)
    assert (report.orders, report.before_origin, report.deducted) == (1, 1, 0)
    assert by_id is None and cancelled.before_origin == 1
    assert await fetch("SELECT id FROM order_import") == []
    assert await quantity("MUG", "A") == 10
