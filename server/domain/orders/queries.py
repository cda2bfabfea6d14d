"""Reading imported orders: filtered pages of orders, one order with its lines and the stock moves
they caused, and the conflicting lines a person has to resolve.

Lists are newest first with keyset paging by id, like the operation log and sync runs: pass a
page's `next_before` back as `before` for the next page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from server.domain.db import fetch, fetch_one
from server.errors import NotFoundError, ValidationFailedError

MAX_PAGE_SIZE = 200
OrderState = Literal["OPEN", "DONE", "CONFLICT", "CANCELLED", "MERGED", "QUARANTINED"]
LineStatus = Literal["NEW", "DEDUCTED", "RESTOCKED", "CANCELLED", "SKIPPED", "CONFLICT"]
ORDER_STATES: tuple[OrderState, ...] = (
    "OPEN",
    "DONE",
    "CONFLICT",
    "CANCELLED",
    "MERGED",
    "QUARANTINED",
)


class OrderSummary(msgspec.Struct, kw_only=True):
    """One imported order, with how many lines it has and how many are conflicts."""

    id: int
    account_id: int
    account_name: str
    marketplace: str
    external_id: str
    status: str
    state: str
    buyer: str
    revision: str | None
    marketplace_updated_at: datetime | None
    failures: int
    last_error: str | None
    lines_count: int
    conflicts_count: int
    created_at: datetime
    updated_at: datetime


class OrderPage(msgspec.Struct, kw_only=True):
    """Orders newest first; pass `next_before` back as `before` for the next page."""

    items: list[OrderSummary]
    next_before: int | None


class StockMovement(msgspec.Struct, kw_only=True):
    """An operation an order line caused: its deduction or its restock."""

    operation_id: int
    type: str
    sku: str
    warehouse: str | None
    delta: int
    quantity_after: int | None
    created_at: datetime


class OrderLineRecord(msgspec.Struct, kw_only=True):
    """One line of an order: what the marketplace sold, what it matched, what it moved."""

    id: int
    external_line_id: str
    name: str
    quantity: int
    offer_id: str | None
    wix_product_id: str | None
    wix_variant_id: str | None
    external_sku: str | None
    sku: str | None
    warehouse: str | None
    status: str
    conflict_reason: str | None
    sale_id: int | None
    resolved_by: str | None
    movements: list[StockMovement]
    updated_at: datetime


class OrderDetail(OrderSummary, kw_only=True):
    """One order with its lines and the stock movements they caused."""

    lines: list[OrderLineRecord]


class ConflictLine(msgspec.Struct, kw_only=True):
    """A CONFLICT line with its order and account, for a person to map to a product."""

    line_id: int
    order_id: int
    external_order_id: str
    account_id: int
    account_name: str
    marketplace: str
    external_line_id: str
    name: str
    quantity: int
    offer_id: str | None
    wix_product_id: str | None
    wix_variant_id: str | None
    external_sku: str | None
    sku: str | None
    conflict_reason: str | None
    updated_at: datetime


class ConflictPage(msgspec.Struct, kw_only=True):
    """Conflicting lines newest first, how many there are in all, and the next page's `before`."""

    items: list[ConflictLine]
    total: int
    next_before: int | None


def clean_state(state: str | None) -> str | None:
    """An order state filter (None: any); 422 naming `state` for one that does not exist."""
    if state is None or state == "":
        return None
    if state.upper() not in ORDER_STATES:
        raise ValidationFailedError(
            f"state must be one of {', '.join(ORDER_STATES)}", field="state"
        )
    return state.upper()


def _page_size(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE_SIZE))


_HAS_CONFLICT = (
    "EXISTS (SELECT 1 FROM order_line c WHERE c.\"order\" = o.id AND c.status = 'CONFLICT')"
)
_ORDER_SELECT = (
    "SELECT o.id, o.account AS account_id, a.name AS account_name, a.marketplace, "
    "o.external_id, o.status, o.state, o.buyer, o.revision, o.marketplace_updated_at, "
    "o.failures, o.last_error, o.created_at, o.updated_at, "
    '(SELECT count(*) FROM order_line l WHERE l."order" = o.id)::int AS lines_count, '
    '(SELECT count(*) FROM order_line l WHERE l."order" = o.id '
    "AND l.status = 'CONFLICT')::int AS conflicts_count "
    "FROM order_import o JOIN marketplace_account a ON a.id = o.account "
)


def _order_conditions(
    account_id: int | None, state: str | None, status: str | None, conflicts: bool | None
) -> tuple[list[str], list[Any]]:
    conditions: list[str] = []
    args: list[Any] = []
    for sql, value in (("o.account = {}", account_id), ("o.state = {}", state)):
        if value is not None:
            conditions.append(sql)
            args.append(value)
    if status:
        conditions.append("o.status = {}")
        args.append(status)
    if conflicts is not None:
        conditions.append(_HAS_CONFLICT if conflicts else f"NOT {_HAS_CONFLICT}")
    return conditions, args


async def list_orders(
    *,
    account_id: int | None = None,
    state: str | None = None,
    status: str | None = None,
    conflicts: bool | None = None,
    before: int | None = None,
    limit: int = 50,
) -> OrderPage:
    """Orders newest first; `conflicts` keeps only orders with (True) or without (False) a
    CONFLICT line; `status` is the marketplace's own status; `before` is an order id."""
    limit = _page_size(limit)
    conditions, args = _order_conditions(account_id, state, status, conflicts)
    if before is not None:
        conditions.append("o.id < {}")
        args.append(before)
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    rows = await fetch(_ORDER_SELECT + where + "ORDER BY o.id DESC LIMIT {}", *args, limit + 1)
    items = [OrderSummary(**row) for row in rows[:limit]]
    return OrderPage(items=items, next_before=items[-1].id if len(rows) > limit else None)


_LINES = (
    "SELECT l.id, l.external_line_id, l.name, l.quantity, l.offer_id, l.wix_product_id, "
    "l.wix_variant_id, l.external_sku, l.sku, w.code AS warehouse, l.status, l.conflict_reason, "
    "l.sale_id, l.resolved_by, l.updated_at, l.deduct_operation_id, l.restock_operation_id "
    "FROM order_line l LEFT JOIN warehouse w ON w.id = l.warehouse "
    'WHERE l."order" = {} ORDER BY l.id'
)
_MOVES = (
    "SELECT id AS operation_id, type, sku, warehouse_code AS warehouse, quantity_delta AS delta, "
    "quantity_after, created_at FROM operation WHERE id = ANY({}::int[]) ORDER BY id"
)


async def _lines_with_movements(order_id: int) -> list[OrderLineRecord]:
    rows = await fetch(_LINES, order_id)
    operation_ids = [
        int(row[key])
        for row in rows
        for key in ("deduct_operation_id", "restock_operation_id")
        if row[key] is not None
    ]
    moves = {
        int(row["operation_id"]): StockMovement(**row)
        for row in (await fetch(_MOVES, operation_ids) if operation_ids else [])
    }
    lines = []
    for row in rows:
        caused = [row.pop("deduct_operation_id"), row.pop("restock_operation_id")]
        movements = [moves[op] for op in caused if op is not None and op in moves]
        lines.append(OrderLineRecord(movements=movements, **row))
    return lines


async def get_order(order_id: int) -> OrderDetail:
    """One order with its lines and the operations they caused; 404 naming `order_id`."""
    row = await fetch_one(_ORDER_SELECT + "WHERE o.id = {}", order_id)
    if row is None:
        raise NotFoundError(f"no order with id {order_id}", field="order_id")
    return OrderDetail(lines=await _lines_with_movements(order_id), **row)


async def order_of_line(line_id: int) -> int:
    """The id of the order a line belongs to; 404 naming `line_id`."""
    row = await fetch_one('SELECT "order" AS order_id FROM order_line WHERE id = {}', line_id)
    if row is None:
        raise NotFoundError(f"no order line {line_id}", field="line_id")
    return int(row["order_id"])


_CONFLICTS = (
    "SELECT l.id AS line_id, o.id AS order_id, o.external_id AS external_order_id, "
    "a.id AS account_id, a.name AS account_name, a.marketplace, l.external_line_id, l.name, "
    "l.quantity, l.offer_id, l.wix_product_id, l.wix_variant_id, l.external_sku, l.sku, "
    "l.conflict_reason, l.updated_at "
    'FROM order_line l JOIN order_import o ON o.id = l."order" '
    "JOIN marketplace_account a ON a.id = o.account "
    "WHERE l.status = 'CONFLICT' AND ({}::int IS NULL OR o.account = {}) "
)


async def list_conflicts(
    *, account_id: int | None = None, before: int | None = None, limit: int = 50
) -> ConflictPage:
    """CONFLICT lines, newest line first, optionally of one account; `before` is a line id."""
    limit = _page_size(limit)
    rows = await fetch(
        _CONFLICTS + "AND ({}::int IS NULL OR l.id < {}) ORDER BY l.id DESC LIMIT {}",
        account_id,
        account_id,
        before,
        before,
        limit + 1,
    )
    total = await fetch_one(
        "SELECT count(*)::int AS n FROM (" + _CONFLICTS + ") c", account_id, account_id
    )
    items = [ConflictLine(**row) for row in rows[:limit]]
    return ConflictPage(
        items=items,
        total=int(total["n"]) if total else 0,
        next_before=items[-1].line_id if len(rows) > limit else None,
    )
