"""Rollback: undo one operation by writing a ROLLBACK operation that points at it.

What can be undone:
- PRODUCT_EDIT: the changed fields get their old values back, unless a later edit, rollback or
  sync switch changed one of them (and has not itself been undone), or the product no longer holds
  the values the edit wrote: then 409 says which field, rather than overwrite the later change.
- RECEIPT, SALE, ADJUSTMENT, TRANSFER: the inverse stock move (`server.domain.ledger.reverse`);
  409 when it would take units the warehouse no longer holds.
- Order deductions and restocks belong to order import (cancel or resolve the order instead),
  and creates, deletes, sync switches and rollbacks are not undone here: 409 says so.
An operation is undone at most once: an earlier ROLLBACK row is looked for first, and a unique
index on `reverts_operation_id` refuses the second of two racing reverts (409 as well). Edits are
serialised by the product row's lock; a transfer's two rows are locked in id order.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from server.domain.db import engine, fetch, fetch_one
from server.domain.hooks import on_stock_changed
from server.domain.ledger.reverse import STOCK_TYPES, transfer_rows, undo_stock_operation
from server.domain.operations import (
    NewOperation,
    OperationRecord,
    OperationType,
    get_operation,
    record_operation,
)
from server.domain.product_edit import lock_product_row, skus_to_push, write_changes
from server.domain.refs import Actor
from server.errors import ConflictError, NotFoundError

ORDER_TYPES = frozenset({"ORDER_DEDUCTION", "ORDER_RESTOCK"})
FIELD_NAMES = {"sku": "SKU", "ean": "EAN", "is_sync_enabled": "sync"}


async def _locked_operation(operation_id: int) -> dict[str, Any]:
    row = await fetch_one(
        "SELECT id, type, sku, product_id, warehouse_code, quantity_delta, related_id, "
        "old_values, new_values FROM operation WHERE id = {}",
        operation_id,
    )
    if row is None:
        raise NotFoundError(f"no operation with id {operation_id}", field="id")
    for key in ("old_values", "new_values"):
        if isinstance(row[key], str):
            row[key] = msgspec.json.decode(row[key])
    return row


async def _refuse_if_reverted(operation_ids: list[int]) -> None:
    row = await fetch_one(
        "SELECT reverts_operation_id AS target, user_email, created_at FROM operation "
        "WHERE reverts_operation_id = ANY({}) ORDER BY id LIMIT 1",
        operation_ids,
    )
    if row is not None:
        raise ConflictError(
            f"operation #{row['target']} was already reverted by {row['user_email'] or 'system'} "
            f"at {row['created_at']:%Y-%m-%d %H:%M} UTC",
            field="id",
        )


def _refuse_type(op: dict[str, Any]) -> None:
    kind = op["type"]
    if kind in ORDER_TYPES:
        raise ConflictError(
            f"operation #{op['id']} ({kind}) belongs to order import: cancel or resolve the "
            "order instead of reverting its stock move",
            field="id",
        )
    if kind != "PRODUCT_EDIT" and kind not in STOCK_TYPES:
        raise ConflictError(
            f"operation #{op['id']} ({kind}) cannot be reverted; only product edits and "
            "receipts, sales, adjustments and transfers can",
            field="id",
        )


async def _later_change(op: dict[str, Any], fields: list[str]) -> tuple[int, str] | None:
    """A later, still standing change of the product that touched one of `fields`."""
    rows = await fetch(
        "SELECT l.id, l.new_values FROM operation l WHERE l.product_id = {} AND l.id > {} "
        "AND l.type IN ('PRODUCT_EDIT', 'ROLLBACK', 'SYNC_TOGGLE') AND l.new_values IS NOT NULL "
        "AND (l.reverts_operation_id IS NULL OR l.reverts_operation_id < {}) "
        "AND NOT EXISTS (SELECT 1 FROM operation r WHERE r.reverts_operation_id = l.id) "
        "ORDER BY l.id",
        op["product_id"],
        op["id"],
        op["id"],
    )
    for row in rows:
        values = row["new_values"]
        changed = msgspec.json.decode(values) if isinstance(values, str) else values
        for name in fields:
            if name in changed:
                return int(row["id"]), name
    return None


def _label(name: str) -> str:
    return FIELD_NAMES.get(name, name.replace("_", " "))


async def _undo_edit(op: dict[str, Any], actor: Actor) -> list[str]:
    """Put an edit's old values back; returns the SKUs to re-sync."""
    fields = list(op["new_values"] or {})
    try:
        current = await lock_product_row(product_id=op["product_id"])
    except NotFoundError:
        raise ConflictError(
            f"operation #{op['id']} cannot be undone: its product was deleted", field="id"
        ) from None
    later = await _later_change(op, fields)
    if later is not None:
        raise ConflictError(
            f"{_label(later[1])} was changed again by operation #{later[0]}; revert that first "
            "or edit the product by hand",
            field=later[1],
        )
    for name in fields:
        if current[name] != op["new_values"][name]:
            raise ConflictError(f"{_label(name)} has changed since this edit", field=name)
    restore = {name: op["old_values"].get(name) for name in fields}
    await write_changes(current, restore)
    await record_operation(
        NewOperation(
            type=OperationType.ROLLBACK,
            sku=restore.get("sku", current["sku"]),
            product_id=int(current["id"]),
            reason=f"undo of operation #{op['id']} (product edit)",
            old_values=dict(op["new_values"]),
            new_values=restore,
            source=actor.source,
            user_email=actor.email,
            reverts_operation_id=int(op["id"]),
        )
    )
    return skus_to_push(restore.get("sku", current["sku"]), restore)


async def _undo(operation_id: int, actor: Actor) -> list[str]:
    op = await _locked_operation(operation_id)
    _refuse_type(op)
    if op["type"] == "TRANSFER":
        await _refuse_if_reverted([int(row["id"]) for row in await transfer_rows(op)])
    else:
        await _refuse_if_reverted([operation_id])
    if op["type"] == "PRODUCT_EDIT":
        return await _undo_edit(op, actor)
    return [await undo_stock_operation(op, actor)]


async def revert_operation(operation_id: int, *, actor: Actor) -> OperationRecord:
    """Undo an operation (see the module's rules); returns it, now showing who reverted it."""
    try:
        async with engine().transaction():
            skus = await _undo(operation_id, actor)
    except asyncpg.UniqueViolationError:
        raise ConflictError(f"operation #{operation_id} was already reverted", field="id") from None
    await on_stock_changed(skus)
    return await get_operation(operation_id)
