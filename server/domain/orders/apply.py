"""Apply an order snapshot: record the order and its lines, and move stock exactly once.

One transaction per order. The upsert of `order_import` locks the order's row, so two importers
reading the same order at once take turns; each line then moves NEW → DEDUCTED → RESTOCKED (or
to CONFLICT, SKIPPED, CANCELLED) under that lock, with the stock move in the same transaction.
A replay finds the lines already moved and changes nothing. The stock change is reported
(`on_stock_changed`: every listing of the SKU is pushed) and new conflicts alerted after commit.
"""

from __future__ import annotations

from typing import Any

from server.domain.alerts import Alert, raise_alert
from server.domain.db import engine, fetch, fetch_one
from server.domain.hooks import on_stock_changed
from server.domain.orders.line_steps import deduct_line, line_in, restock_line, set_line
from server.domain.orders.matching import match_line
from server.domain.orders.models import ApplyResult, OrderPhase, OrderSnapshot
from server.domain.refs import Actor

ORDER_ACTOR = Actor(email="order-import", source="order")
OPEN_LINE = ("NEW", "CONFLICT")


async def _upsert_order(account_id: int, snapshot: OrderSnapshot) -> dict[str, Any] | None:
    """Insert or refresh the order row (locking it); None when the snapshot is older than the
    one stored, so a late read (a webhook job behind a poll) never rolls the order back."""
    return await fetch_one(
        "INSERT INTO order_import (account, external_id, status, state, revision, buyer, "
        "marketplace_updated_at, failures, created_at, updated_at) "
        "VALUES ({}, {}, {}, 'OPEN', {}, {}, {}, 0, now(), now()) "
        "ON CONFLICT (account, external_id) DO UPDATE SET status = EXCLUDED.status, "
        "revision = EXCLUDED.revision, buyer = EXCLUDED.buyer, "
        "marketplace_updated_at = EXCLUDED.marketplace_updated_at, updated_at = now() "
        "WHERE order_import.marketplace_updated_at IS NULL "
        "OR EXCLUDED.marketplace_updated_at IS NULL "
        "OR EXCLUDED.marketplace_updated_at >= order_import.marketplace_updated_at "
        "RETURNING id, state",
        account_id,
        snapshot.external_id,
        snapshot.status,
        snapshot.revision,
        snapshot.buyer[:254],
        snapshot.updated_at,
    )


async def _store_lines(order_id: int, snapshot: OrderSnapshot) -> list[dict[str, Any]]:
    """Insert lines not seen before (open lines take the newest quantity); lock, return all."""
    for line in snapshot.lines:
        await fetch(
            'INSERT INTO order_line ("order", external_line_id, offer_id, wix_product_id, '
            "wix_variant_id, external_sku, name, quantity, status, conflict_reason, "
            "created_at, updated_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, now(), now()) "
            'ON CONFLICT ("order", external_line_id) DO UPDATE SET quantity = EXCLUDED.quantity '
            "WHERE order_line.status IN ('NEW', 'CONFLICT')",
            order_id,
            line.external_line_id,
            line.offer_id,
            line.wix_product_id,
            line.wix_variant_id,
            line.external_sku,
            line.name[:255],
            line.quantity,
            "SKIPPED" if line.skip_reason else "NEW",
            line.skip_reason,
        )
    return await fetch(
        'SELECT * FROM order_line WHERE "order" = {} ORDER BY id FOR UPDATE', order_id
    )


async def _lock_stock(account_id: int, phase: OrderPhase, lines: list[dict[str, Any]]) -> None:
    """Lock the stock rows this snapshot may move, in SKU order, before any line moves.

    Lines lock their stock rows one by one; two orders naming the same SKUs in another order
    (applied at once by two importers, or a poll and a webhook job) would otherwise deadlock.
    """
    skus: set[str] = set()
    for line in lines:
        if phase is OrderPhase.READY and line["status"] in OPEN_LINE:
            found = await match_line(account_id, line_in(line))
            skus.update([found.sku] if found.sku else [])
        elif phase is OrderPhase.CANCELLED and line["status"] == "DEDUCTED" and line["sku"]:
            skus.add(str(line["sku"]))
    if len(skus) > 1:
        await fetch(
            "SELECT 1 AS one FROM stock WHERE product = ANY({}) ORDER BY product, warehouse "
            "FOR UPDATE",
            sorted(skus),
        )


async def _apply_line(
    account_id: int,
    snapshot: OrderSnapshot,
    line: dict[str, Any],
    restock_on_cancel: bool,
    result: ApplyResult,
) -> None:
    if snapshot.phase is OrderPhase.READY and line["status"] in OPEN_LINE:
        sku = await deduct_line(account_id, snapshot.external_id, line, ORDER_ACTOR)
        if sku is not None:
            result.deducted += 1
            result.skus.append(sku)
    elif snapshot.phase is OrderPhase.CANCELLED:
        if line["status"] == "DEDUCTED" and restock_on_cancel:
            sku = await restock_line(snapshot.external_id, line, ORDER_ACTOR)
            if sku is not None:
                result.restocked += 1
                result.skus.append(sku)
        elif line["status"] in OPEN_LINE:
            await set_line(line["id"], status="CANCELLED")


def order_state(phase: OrderPhase, statuses: list[str]) -> str:
    """The order's state from its phase and its lines' statuses."""
    if phase is OrderPhase.CANCELLED:
        return "CANCELLED"
    if "CONFLICT" in statuses:
        return "CONFLICT"
    if phase is OrderPhase.READY:
        return "DONE"
    return "OPEN"


async def _finish(order_id: int, phase: OrderPhase) -> tuple[str, list[dict[str, Any]]]:
    lines = await fetch(
        "SELECT id, external_line_id, status, conflict_reason FROM order_line "
        'WHERE "order" = {} ORDER BY id',
        order_id,
    )
    state = order_state(phase, [str(line["status"]) for line in lines])
    await fetch(
        "UPDATE order_import SET state = {}, failures = 0, last_error = NULL, updated_at = now() "
        "WHERE id = {}",
        state,
        order_id,
    )
    return state, lines


async def _stale_result(account_id: int, external_id: str) -> ApplyResult:
    row = await fetch_one(
        "SELECT id, state FROM order_import WHERE account = {} AND external_id = {}",
        account_id,
        external_id,
    )
    assert row is not None, "the upsert only returns nothing for an existing, newer order"
    return ApplyResult(order_id=int(row["id"]), state=str(row["state"]), stale=True)


async def apply_order(
    account_id: int, snapshot: OrderSnapshot, *, restock_on_cancel: bool = True
) -> ApplyResult:
    """Bring the stock in line with one order as the marketplace shows it now (idempotent)."""
    async with engine().transaction():
        order = await _upsert_order(account_id, snapshot)
        if order is None:
            return await _stale_result(account_id, snapshot.external_id)
        lines = await _store_lines(int(order["id"]), snapshot)
        before = {int(line["id"]): str(line["status"]) for line in lines}
        await _lock_stock(account_id, snapshot.phase, lines)
        result = ApplyResult(order_id=int(order["id"]), state=str(order["state"]))
        for line in lines:
            await _apply_line(account_id, snapshot, line, restock_on_cancel, result)
        result.state, after = await _finish(result.order_id, snapshot.phase)
    new_conflicts = [
        line for line in after if line["status"] == "CONFLICT" and before[line["id"]] != "CONFLICT"
    ]
    result.conflicts = sum(1 for line in after if line["status"] == "CONFLICT")
    await on_stock_changed(result.skus)
    for line in new_conflicts:
        await raise_alert(
            Alert(
                kind="order_conflict",
                key=f"order_line:{line['id']}",
                message=f"order {snapshot.external_id} line {line['external_line_id']}: "
                f"{line['conflict_reason']}",
                account_id=account_id,
            )
        )
    return result
