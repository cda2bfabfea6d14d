"""Applying order snapshots against real PostgreSQL: exactly-once deduction, restock, conflicts."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from server.domain.alerts import Alert
from server.domain.db import fetch, fetch_one
from server.domain.orders import (
    MAX_ORDER_FAILURES,
    OrderLineIn,
    OrderPhase,
    OrderSnapshot,
    apply_order,
    mark_merged,
    record_order_failure,
)
from server.domain.orders.conflicts import resolve_conflict
from server.errors import ConflictError
from tests.orders.helpers import ACTOR, allegro_account, operations, quantity, stocked_offer

pytestmark = pytest.mark.usefixtures("warehouses")


def form(
    phase: OrderPhase, *lines: OrderLineIn, form_id: str = "form-1", status: str = ""
) -> OrderSnapshot:
    return OrderSnapshot(
        external_id=form_id, phase=phase, status=status or phase.value, lines=tuple(lines)
    )


def line(offer: str = "111", qty: int = 2, line_id: str = "line-1", **extra: str) -> OrderLineIn:
    return OrderLineIn(external_line_id=line_id, quantity=qty, offer_id=offer, **extra)


async def test_ready_twice_deducts_once_from_first_warehouse_with_stock() -> None:
    account = await allegro_account(("A", "B"))
    await stocked_offer(account, "SKU-1", "111", {"A": 1, "B": 5})
    first = await apply_order(account, form(OrderPhase.READY, line(qty=2)))
    again = await apply_order(account, form(OrderPhase.READY, line(qty=2)))
    assert (first.deducted, first.state, first.skus) == (1, "DONE", ["SKU-1"])
    assert (again.deducted, again.skus) == (0, [])
    assert (await quantity("SKU-1", "A"), await quantity("SKU-1", "B")) == (1, 3)
    assert await operations("ORDER_DEDUCTION") == 1


async def test_pending_order_moves_nothing_until_ready() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    pending = await apply_order(account, form(OrderPhase.PENDING, line()))
    assert (pending.state, pending.deducted) == ("OPEN", 0)
    assert await quantity("SKU-1", "A") == 5
    await apply_order(account, form(OrderPhase.READY, line()))
    assert await quantity("SKU-1", "A") == 3


async def test_cancel_after_deduction_restocks_once() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    await apply_order(account, form(OrderPhase.READY, line()))
    for _ in range(3):
        await apply_order(account, form(OrderPhase.CANCELLED, line()))
    assert await quantity("SKU-1", "A") == 5
    assert await operations("ORDER_RESTOCK") == 1
    statuses = await fetch("SELECT status FROM order_line")
    assert [row["status"] for row in statuses] == ["RESTOCKED"]


async def test_cancel_before_deduction_then_late_ready_moves_nothing() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    await apply_order(account, form(OrderPhase.CANCELLED, line()))
    # The form's status is read fresh: once cancelled, Allegro shows CANCELLED, not READY.
    replay = await apply_order(account, form(OrderPhase.CANCELLED, line()))
    assert (replay.deducted, replay.restocked, replay.state) == (0, 0, "CANCELLED")
    assert await quantity("SKU-1", "A") == 5
    assert await operations("ORDER_RESTOCK") == 0


async def test_wix_style_cancel_without_restock_keeps_the_deduction() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    await apply_order(account, form(OrderPhase.READY, line()))
    result = await apply_order(account, form(OrderPhase.CANCELLED, line()), restock_on_cancel=False)
    assert (result.restocked, result.state) == (0, "CANCELLED")
    assert await quantity("SKU-1", "A") == 3


async def test_unknown_and_ambiguous_lines_are_conflicts_and_alerted(alerts: list[Alert]) -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    await stocked_offer(account, "SKU-2", "222", {"A": 5})
    unknown = line(offer="999", line_id="l-unknown")
    ambiguous = line(offer="111", line_id="l-ambiguous", external_sku="SKU-2")
    result = await apply_order(account, form(OrderPhase.READY, unknown, ambiguous))
    assert (result.state, result.conflicts, result.deducted) == ("CONFLICT", 2, 0)
    reasons = {
        row["external_line_id"]: row["conflict_reason"]
        for row in await fetch("SELECT external_line_id, conflict_reason FROM order_line")
    }
    assert reasons["l-unknown"].startswith("unknown_item")
    assert reasons["l-ambiguous"].startswith("ambiguous")
    assert sorted(alert.key for alert in alerts) == ["order_line:1", "order_line:2"]
    await apply_order(account, form(OrderPhase.READY, unknown, ambiguous))
    assert len(alerts) == 2, "a conflict is alerted once, not on every replay"
    assert await quantity("SKU-1", "A") == 5


async def test_external_sku_matches_when_no_listing() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    result = await apply_order(
        account, form(OrderPhase.READY, line(offer="555", external_sku="SKU-1"))
    )
    assert result.deducted == 1
    assert await quantity("SKU-1", "A") == 3


async def test_insufficient_stock_is_a_conflict_that_a_person_resolves_once() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 1})
    await stocked_offer(account, "SKU-2", "222", {"B": 4})
    result = await apply_order(account, form(OrderPhase.READY, line(qty=2)))
    assert result.state == "CONFLICT"
    line_id = int((await fetch("SELECT id FROM order_line"))[0]["id"])
    with pytest.raises(ConflictError):
        await resolve_conflict(line_id, "SKU-1", actor=ACTOR)
    assert await resolve_conflict(line_id, "SKU-2", actor=ACTOR) == "DEDUCTED"
    with pytest.raises(ConflictError):
        await resolve_conflict(line_id, "SKU-2", actor=ACTOR)
    assert await quantity("SKU-2", "B") == 2
    order = await fetch_one("SELECT state FROM order_import")
    assert order is not None and order["state"] == "DONE"
    await apply_order(account, form(OrderPhase.READY, line(qty=2)))
    assert await operations("ORDER_DEDUCTION") == 1


async def test_concurrent_imports_of_one_order_deduct_once() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 50})
    lines = [line(line_id=f"l{i}", qty=1) for i in range(5)]
    snapshot = form(OrderPhase.READY, *lines)
    results = await asyncio.gather(*(apply_order(account, snapshot) for _ in range(8)))
    assert sum(result.deducted for result in results) == 5
    assert await quantity("SKU-1", "A") == 45


async def test_merged_form_hands_its_deduction_to_the_new_form() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    await apply_order(account, form(OrderPhase.READY, line(), form_id="old"))
    await mark_merged(account, "old")
    result = await apply_order(account, form(OrderPhase.READY, line(), form_id="new"))
    assert result.deducted == 0
    assert await quantity("SKU-1", "A") == 3
    rows = await fetch(
        "SELECT o.external_id, l.status FROM order_line l JOIN order_import o ON o.id = l.order ORDER BY o.external_id"
    )
    assert [(r["external_id"], r["status"]) for r in rows] == [
        ("new", "DEDUCTED"),
        ("old", "SKIPPED"),
    ]
    await apply_order(account, form(OrderPhase.CANCELLED, line(), form_id="new"))
    assert await quantity("SKU-1", "A") == 5


async def test_failures_quarantine_after_the_limit_and_alert(alerts: list[Alert]) -> None:
    account = await allegro_account()
    outcomes = [
        await record_order_failure(account, "form-x", "HTTP 500") for _ in range(MAX_ORDER_FAILURES)
    ]
    assert outcomes == [False] * (MAX_ORDER_FAILURES - 1) + [True]
    assert [alert.kind for alert in alerts] == ["order_quarantined"]
    assert "HTTP 500" in alerts[0].message


async def test_skipped_line_moves_no_stock() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    fulfilled = line(skip_reason="fulfilled by Allegro")
    result = await apply_order(account, form(OrderPhase.READY, fulfilled))
    assert (result.deducted, result.state) == (0, "DONE")
    assert await quantity("SKU-1", "A") == 5


async def test_an_older_snapshot_never_rolls_the_order_back() -> None:
    account = await allegro_account()
    await stocked_offer(account, "SKU-1", "111", {"A": 5})
    early = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
    late = early + dt.timedelta(minutes=5)
    cancelled = OrderSnapshot(
        external_id="form-1",
        phase=OrderPhase.CANCELLED,
        status="CANCELLED",
        lines=(line(),),
        updated_at=late,
    )
    ready = OrderSnapshot(
        external_id="form-1",
        phase=OrderPhase.READY,
        status="READY_FOR_PROCESSING",
        lines=(line(),),
        updated_at=early,
    )
    await apply_order(account, cancelled)
    result = await apply_order(account, ready)
    assert (result.stale, result.state, result.deducted) == (True, "CANCELLED", 0)
    order = await fetch_one("SELECT status FROM order_import")
    assert order is not None and order["status"] == "CANCELLED"
    assert await quantity("SKU-1", "A") == 5
