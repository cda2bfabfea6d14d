"""Sales: units leave a warehouse, at most once per idempotency key."""

from __future__ import annotations

from server.domain.db import engine, fetch_one
from server.domain.hooks import on_stock_changed
from server.domain.ledger.results import SaleResult
from server.domain.ledger.stock_rows import check_quantity, record_stock_operation, take_from_stock
from server.domain.operations import OperationType
from server.domain.refs import Actor, ProductRef, WarehouseRef, lock_product, warehouse_by_code
from server.errors import ConflictError


async def claim_sale(
    product: ProductRef, warehouse: WarehouseRef, quantity: int, key: str | None, actor: Actor
) -> int | None:
    """Insert the sale row; None when the idempotency key was already used."""
    row = await fetch_one(
        "INSERT INTO sale (product, warehouse, quantity, source, idempotency_key, user_email, "
        "created_at) VALUES ({}, {}, {}, {}, {}, {}, now()) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        product.sku,
        warehouse.id,
        quantity,
        actor.source,
        key,
        actor.email,
    )
    return None if row is None else int(row["id"])


async def _replayed_sale(key: str, sku: str, warehouse_code: str, quantity: int) -> SaleResult:
    row = await fetch_one(
        "SELECT s.id, s.product AS sku, w.code AS warehouse, s.quantity, o.id AS operation_id, "
        "o.quantity_after FROM sale s JOIN warehouse w ON w.id = s.warehouse "
        "JOIN operation o ON o.related_id = s.id AND o.type IN ('SALE', 'ORDER_DEDUCTION') "
        "WHERE s.idempotency_key = {}",
        key,
    )
    if row is None:
        raise ConflictError(
            "idempotency key is in use by a sale being recorded; retry", field="idempotency_key"
        )
    if (row["sku"], row["warehouse"], row["quantity"]) != (sku, warehouse_code, quantity):
        raise ConflictError(
            "idempotency key was already used for a different sale", field="idempotency_key"
        )
    return SaleResult(
        sale_id=row["id"],
        operation_id=row["operation_id"],
        sku=row["sku"],
        warehouse=row["warehouse"],
        quantity=row["quantity"],
        quantity_after=row["quantity_after"],
        replayed=True,
    )


async def sell(
    sku: str,
    warehouse_code: str,
    quantity: int,
    *,
    actor: Actor,
    idempotency_key: str | None = None,
    operation_type: OperationType = OperationType.SALE,
    reason: str = "",
) -> SaleResult:
    """Take sold units out of a warehouse; a repeated idempotency key returns the first result."""
    check_quantity(quantity)
    async with engine().transaction():
        product = await lock_product(sku)
        warehouse = await warehouse_by_code(warehouse_code)
        sale_id = await claim_sale(product, warehouse, quantity, idempotency_key, actor)
        if sale_id is None:
            assert idempotency_key is not None
            return await _replayed_sale(idempotency_key, product.sku, warehouse.code, quantity)
        after = await take_from_stock(product, warehouse, quantity)
        op_id = await record_stock_operation(
            operation_type,
            product,
            warehouse,
            -quantity,
            after,
            actor,
            reason=reason,
            related_id=sale_id,
        )
        result = SaleResult(
            sale_id=sale_id,
            operation_id=op_id,
            sku=product.sku,
            warehouse=warehouse.code,
            quantity=quantity,
            quantity_after=after,
        )
    await on_stock_changed([result.sku])
    return result
