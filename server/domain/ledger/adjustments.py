"""Adjustments: set a warehouse's count to what was physically counted, with a reason."""

from __future__ import annotations

from server.domain.db import engine, fetch_one
from server.domain.hooks import on_stock_changed
from server.domain.ledger.results import StockChange
from server.domain.ledger.stock_rows import check_quantity, record_stock_operation
from server.domain.operations import OperationType
from server.domain.refs import Actor, ProductRef, WarehouseRef, lock_product, warehouse_by_code
from server.errors import ValidationFailedError

MAX_REASON_LENGTH = 500


async def _set_count(product: ProductRef, warehouse: WarehouseRef, quantity: int) -> int:
    """Set the row to `quantity` and return the count it had before."""
    await fetch_one(
        "INSERT INTO stock (product, warehouse, quantity, reserved, updated_at) "
        "VALUES ({}, {}, 0, 0, now()) ON CONFLICT (product, warehouse) DO NOTHING",
        product.sku,
        warehouse.id,
    )
    row = await fetch_one(
        "SELECT quantity FROM stock WHERE product = {} AND warehouse = {} FOR UPDATE",
        product.sku,
        warehouse.id,
    )
    assert row is not None
    await fetch_one(
        "UPDATE stock SET quantity = {}, updated_at = now() WHERE product = {} AND warehouse = {}",
        quantity,
        product.sku,
        warehouse.id,
    )
    return int(row["quantity"])


async def adjust(
    sku: str, warehouse_code: str, quantity: int, *, reason: str, actor: Actor
) -> StockChange:
    """Set an absolute count; the operation row keeps the delta and the old and new counts."""
    check_quantity(quantity, allow_zero=True)
    reason = reason.strip()
    if not reason:
        raise ValidationFailedError("a reason is required for an adjustment", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailedError(
            f"reason is longer than {MAX_REASON_LENGTH} characters", field="reason"
        )
    async with engine().transaction():
        product = await lock_product(sku)
        warehouse = await warehouse_by_code(warehouse_code)
        before = await _set_count(product, warehouse, quantity)
        op_id = await record_stock_operation(
            OperationType.ADJUSTMENT,
            product,
            warehouse,
            quantity - before,
            quantity,
            actor,
            reason=reason,
            old_values={"quantity": before},
            new_values={"quantity": quantity},
        )
    await on_stock_changed([product.sku])
    return StockChange(
        operation_id=op_id,
        sku=product.sku,
        warehouse=warehouse.code,
        quantity_delta=quantity - before,
        quantity_after=quantity,
    )
