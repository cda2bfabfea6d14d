"""Stock moves of order import, made inside the caller's transaction (no commit hook here).

Order import changes an order's lines and the stock they move in one transaction, so these are
the ledger's row-level steps without `engine().transaction()` or `on_stock_changed`: the caller
commits, then reports the SKUs. The sale row's idempotency key is a second guard against a line
being deducted twice (the first is `order_line`'s unique key and its status).
"""

from __future__ import annotations

import msgspec

from server.domain.ledger.sales import claim_sale
from server.domain.ledger.stock_rows import add_to_stock, record_stock_operation, take_from_stock
from server.domain.operations import OperationType
from server.domain.refs import Actor, ProductRef, WarehouseRef
from server.errors import ConflictError


class OrderMove(msgspec.Struct, frozen=True, kw_only=True):
    """What one deduction or restock wrote."""

    sale_id: int | None
    operation_id: int
    quantity_after: int


async def deduct_for_order(
    product: ProductRef,
    warehouse: WarehouseRef,
    quantity: int,
    *,
    key: str,
    actor: Actor,
    reason: str,
) -> OrderMove:
    """Take an order line's units: sale row (unique `key`), stock row, ORDER_DEDUCTION row.

    Raises `InsufficientStockError` when the warehouse has fewer units, and `ConflictError` when
    the key was used before (which the caller's line status should already have prevented).
    """
    sale_id = await claim_sale(product, warehouse, quantity, key, actor)
    if sale_id is None:
        raise ConflictError(f"order line {key!r} was already deducted", field="order_line")
    after = await take_from_stock(product, warehouse, quantity)
    operation_id = await record_stock_operation(
        OperationType.ORDER_DEDUCTION,
        product,
        warehouse,
        -quantity,
        after,
        actor,
        reason=reason,
        related_id=sale_id,
    )
    return OrderMove(sale_id=sale_id, operation_id=operation_id, quantity_after=after)


async def restock_for_order(
    product: ProductRef,
    warehouse: WarehouseRef,
    quantity: int,
    *,
    sale_id: int | None,
    actor: Actor,
    reason: str,
) -> OrderMove:
    """Give a cancelled line's units back to the warehouse they were taken from (ORDER_RESTOCK)."""
    after = await add_to_stock(product, warehouse, quantity)
    operation_id = await record_stock_operation(
        OperationType.ORDER_RESTOCK,
        product,
        warehouse,
        quantity,
        after,
        actor,
        reason=reason,
        related_id=sale_id,
    )
    return OrderMove(sale_id=sale_id, operation_id=operation_id, quantity_after=after)
