"""The audit log: writing operation rows and reading history with keyset paging."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

from server.domain.db import fetch, fetch_one
from server.errors import NotFoundError


class OperationType(enum.StrEnum):
    """Every kind of change StockBridge records."""

    RECEIPT = "RECEIPT"
    SALE = "SALE"
    TRANSFER = "TRANSFER"
    ADJUSTMENT = "ADJUSTMENT"
    PRODUCT_CREATE = "PRODUCT_CREATE"
    PRODUCT_EDIT = "PRODUCT_EDIT"
    PRODUCT_DELETE = "PRODUCT_DELETE"
    ORDER_DEDUCTION = "ORDER_DEDUCTION"
    ORDER_RESTOCK = "ORDER_RESTOCK"
    SYNC_TOGGLE = "SYNC_TOGGLE"
    ROLLBACK = "ROLLBACK"


class OperationRecord(msgspec.Struct, kw_only=True):
    """One row of the audit log as shown to people and API clients."""

    id: int
    type: str
    sku: str
    warehouse: str | None
    quantity_delta: int
    quantity_after: int | None
    reason: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    related_id: int | None
    source: str
    user_email: str
    reverts_operation_id: int | None
    created_at: datetime
    reverted_by_operation_id: int | None = None
    """The ROLLBACK operation that undid this one, its user and time (None while not reverted)."""
    reverted_by: str | None = None
    reverted_at: datetime | None = None


class NewOperation(msgspec.Struct, kw_only=True):
    """What a writer gives to `record_operation`."""

    type: OperationType
    sku: str
    product_id: int | None
    warehouse_code: str | None = None
    quantity_delta: int = 0
    quantity_after: int | None = None
    reason: str = ""
    old_values: dict[str, Any] | None = None
    new_values: dict[str, Any] | None = None
    related_id: int | None = None
    source: str = "manual"
    user_email: str = ""
    reverts_operation_id: int | None = None


_JSON = msgspec.json.Encoder()
_COLUMNS = (
    "o.id, o.type, o.sku, o.warehouse_code AS warehouse, o.quantity_delta, o.quantity_after, "
    "o.reason, o.old_values, o.new_values, o.related_id, o.source, o.user_email, "
    "o.reverts_operation_id, o.created_at, r.id AS reverted_by_operation_id, "
    "r.user_email AS reverted_by, r.created_at AS reverted_at"
)
_FROM = "FROM operation o LEFT JOIN operation r ON r.reverts_operation_id = o.id"


async def record_operation(op: NewOperation) -> int:
    """Insert one audit row (inside the caller's transaction) and return its id."""
    row = await fetch_one(
        "INSERT INTO operation (type, sku, product_id, warehouse_code, quantity_delta, "
        "quantity_after, reason, old_values, new_values, related_id, source, user_email, "
        "reverts_operation_id, created_at) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}::jsonb, {}::jsonb, {}, {}, {}, {}, now()) "
        "RETURNING id",
        op.type.value,
        op.sku,
        op.product_id,
        op.warehouse_code,
        op.quantity_delta,
        op.quantity_after,
        op.reason,
        None if op.old_values is None else _JSON.encode(op.old_values).decode(),
        None if op.new_values is None else _JSON.encode(op.new_values).decode(),
        op.related_id,
        op.source,
        op.user_email,
        op.reverts_operation_id,
    )
    assert row is not None
    return int(row["id"])


def _decode_row(row: dict[str, Any]) -> OperationRecord:
    for key in ("old_values", "new_values"):
        if isinstance(row[key], str):
            row[key] = msgspec.json.decode(row[key])
    return msgspec.convert(row, OperationRecord)


async def list_operations(
    *,
    sku: str | None = None,
    product_id: int | None = None,
    op_type: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[OperationRecord]:
    """Newest first; `before` is the id of the last row already seen (keyset paging)."""
    conditions: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("sku", sku),
        ("product_id", product_id),
        ("type", op_type),
    ):
        if value is not None:
            conditions.append(f"o.{column} = {{}}")
            args.append(value)
    if before is not None:
        conditions.append("o.id < {}")
        args.append(before)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await fetch(
        f"SELECT {_COLUMNS} {_FROM} {where} ORDER BY o.id DESC LIMIT {{}}", *args, limit
    )
    return [_decode_row(row) for row in rows]


async def get_operation(operation_id: int) -> OperationRecord:
    """One operation with who reverted it, if anyone; NotFoundError otherwise."""
    row = await fetch_one(f"SELECT {_COLUMNS} {_FROM} WHERE o.id = {{}}", operation_id)
    if row is None:
        raise NotFoundError(f"no operation with id {operation_id}", field="id")
    return _decode_row(row)
