"""Row-level stock changes used by every ledger operation, always inside its transaction."""

from __future__ import annotations

from typing import Any

from server.domain.db import fetch_one
from server.domain.operations import NewOperation, OperationType, record_operation
from server.domain.refs import Actor, ProductRef, WarehouseRef
from server.errors import InsufficientStockError, ValidationFailedError

MAX_QUANTITY = 1_000_000
"""The most units one operation may move, and (times 1000) the most a stock row may hold."""


def check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_QUANTITY:
        raise ValidationFailedError(
            f"quantity must be between {low} and {MAX_QUANTITY}", field="quantity"
        )


async def add_to_stock(product: ProductRef, warehouse: WarehouseRef, quantity: int) -> int:
    row = await fetch_one(
        "INSERT INTO stock (product, warehouse, quantity, reserved, updated_at) "
        "VALUES ({}, {}, {}, 0, now()) ON CONFLICT (product, warehouse) DO UPDATE "
        "SET quantity = stock.quantity + EXCLUDED.quantity, updated_at = now() RETURNING quantity",
        product.sku,
        warehouse.id,
        quantity,
    )
    assert row is not None
    if row["quantity"] > MAX_QUANTITY * 1000:
        raise ValidationFailedError("stock would exceed the largest count kept", field="quantity")
    return int(row["quantity"])


async def take_from_stock(product: ProductRef, warehouse: WarehouseRef, quantity: int) -> int:
    row = await fetch_one(
        "UPDATE stock SET quantity = quantity - {}, updated_at = now() "
        "WHERE product = {} AND warehouse = {} AND quantity >= {} RETURNING quantity",
        quantity,
        product.sku,
        warehouse.id,
        quantity,
    )
    if row is None:
        have = await fetch_one(
            "SELECT quantity FROM stock WHERE product = {} AND warehouse = {}",
            product.sku,
            warehouse.id,
        )
        available = 0 if have is None else int(have["quantity"])
        raise InsufficientStockError(
            f"insufficient stock: {available} of {product.sku} in warehouse {warehouse.code}, "
            f"{quantity} asked",
            field="quantity",
        )
    return int(row["quantity"])


async def record_stock_operation(
    op_type: OperationType,
    product: ProductRef,
    warehouse: WarehouseRef,
    delta: int,
    after: int,
    actor: Actor,
    *,
    reason: str = "",
    related_id: int | None = None,
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
    reverts_operation_id: int | None = None,
) -> int:
    """Write the audit row of one warehouse's stock change; returns its id."""
    return await record_operation(
        NewOperation(
            type=op_type,
            sku=product.sku,
            product_id=product.id,
            warehouse_code=warehouse.code,
            quantity_delta=delta,
            quantity_after=after,
            reason=reason,
            old_values=old_values,
            new_values=new_values,
            related_id=related_id,
            source=actor.source,
            user_email=actor.email,
            reverts_operation_id=reverts_operation_id,
        )
    )
