"""Receipts: goods arrive in a warehouse."""

from __future__ import annotations

from server.domain.db import engine
from server.domain.hooks import on_stock_changed
from server.domain.ledger.results import StockChange
from server.domain.ledger.stock_rows import add_to_stock, check_quantity, record_stock_operation
from server.domain.operations import OperationType
from server.domain.refs import Actor, lock_product, warehouse_by_code


async def receive(
    sku: str, warehouse_code: str, quantity: int, *, actor: Actor, reason: str = ""
) -> StockChange:
    """Add units to a warehouse (goods arrived)."""
    check_quantity(quantity)
    async with engine().transaction():
        product = await lock_product(sku)
        warehouse = await warehouse_by_code(warehouse_code)
        after = await add_to_stock(product, warehouse, quantity)
        op_id = await record_stock_operation(
            OperationType.RECEIPT, product, warehouse, quantity, after, actor, reason=reason
        )
    await on_stock_changed([product.sku])
    return StockChange(
        operation_id=op_id,
        sku=product.sku,
        warehouse=warehouse.code,
        quantity_delta=quantity,
        quantity_after=after,
    )
