"""Transfers: units move from one warehouse to another in one transaction."""

from __future__ import annotations

from server.domain.db import engine, fetch
from server.domain.hooks import on_stock_changed
from server.domain.ledger.results import TransferResult
from server.domain.ledger.stock_rows import (
    add_to_stock,
    check_quantity,
    record_stock_operation,
    take_from_stock,
)
from server.domain.operations import OperationType
from server.domain.refs import Actor, ProductRef, WarehouseRef, lock_product, warehouse_by_code
from server.errors import ValidationFailedError


async def _lock_rows_in_order(product: ProductRef, *warehouses: WarehouseRef) -> None:
    """Lock the existing stock rows by ascending warehouse id, so transfers never deadlock."""
    await fetch(
        "SELECT id FROM stock WHERE product = {} AND warehouse = ANY({}) "
        "ORDER BY warehouse FOR UPDATE",
        product.sku,
        [w.id for w in warehouses],
    )


async def _insert_transfer(
    product: ProductRef, source: WarehouseRef, target: WarehouseRef, quantity: int, actor: Actor
) -> int:
    rows = await fetch(
        "INSERT INTO transfer (product, from_warehouse, to_warehouse, quantity, user_email, "
        "created_at) VALUES ({}, {}, {}, {}, {}, now()) RETURNING id",
        product.sku,
        source.id,
        target.id,
        quantity,
        actor.email,
    )
    return int(rows[0]["id"])


async def transfer(
    sku: str, from_code: str, to_code: str, quantity: int, *, actor: Actor, reason: str = ""
) -> TransferResult:
    """Move units between warehouses; writes one operation row per warehouse."""
    check_quantity(quantity)
    if from_code == to_code:
        raise ValidationFailedError(
            "source and target warehouse are the same", field="to_warehouse"
        )
    async with engine().transaction():
        product = await lock_product(sku)
        source = await warehouse_by_code(from_code, field="from_warehouse")
        target = await warehouse_by_code(to_code, field="to_warehouse")
        await _lock_rows_in_order(product, source, target)
        from_after = await take_from_stock(product, source, quantity)
        to_after = await add_to_stock(product, target, quantity)
        transfer_id = await _insert_transfer(product, source, target, quantity, actor)
        moves = ((source, -quantity, from_after), (target, quantity, to_after))
        for warehouse, delta, after in moves:
            await record_stock_operation(
                OperationType.TRANSFER,
                product,
                warehouse,
                delta,
                after,
                actor,
                reason=reason or f"{source.code} → {target.code}",
                related_id=transfer_id,
            )
    await on_stock_changed([product.sku])
    return TransferResult(
        transfer_id=transfer_id,
        sku=product.sku,
        from_warehouse=source.code,
        to_warehouse=target.code,
        quantity=quantity,
        from_quantity_after=from_after,
        to_quantity_after=to_after,
    )
