"""Stock moves undone by their inverse, inside the rollback's transaction.

A receipt is undone by taking its units out again, a sale by putting them back, an adjustment by
the opposite delta (so counts recorded since are kept), a transfer by moving the units back. Each
warehouse touched gets a ROLLBACK row pointing at the row it undoes, so the ledger invariant holds.
Taking units that are no longer there raises `InsufficientStockError` (409) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from server.domain.db import fetch, fetch_one
from server.domain.ledger.stock_rows import add_to_stock, record_stock_operation, take_from_stock
from server.domain.operations import OperationType
from server.domain.refs import Actor, ProductRef, warehouse_by_code
from server.errors import ConflictError

STOCK_TYPES = frozenset({"RECEIPT", "SALE", "ADJUSTMENT", "TRANSFER"})


async def _product_of(op: dict[str, Any]) -> ProductRef:
    row = await fetch_one(
        "SELECT id, sku FROM product WHERE id = {} FOR KEY SHARE", op["product_id"]
    )
    if row is None:
        raise ConflictError(
            f"operation #{op['id']} cannot be undone: its product was deleted", field="id"
        )
    return ProductRef(id=row["id"], sku=row["sku"])


async def _undo_row(op: dict[str, Any], product: ProductRef, actor: Actor) -> None:
    """Apply the opposite of one warehouse row's delta and record it."""
    warehouse = await warehouse_by_code(op["warehouse_code"])
    delta = -int(op["quantity_delta"])
    if delta < 0:
        after = await take_from_stock(product, warehouse, -delta)
    else:
        after = await add_to_stock(product, warehouse, delta)
    await record_stock_operation(
        OperationType.ROLLBACK,
        product,
        warehouse,
        delta,
        after,
        actor,
        reason=f"undo of operation #{op['id']} ({op['type'].lower()})",
        reverts_operation_id=int(op["id"]),
    )


async def transfer_rows(op: dict[str, Any]) -> list[dict[str, Any]]:
    """Both warehouse rows of a transfer, locked in id order, the one units left first."""
    rows = await fetch(
        "SELECT id, type, product_id, warehouse_code, quantity_delta FROM operation "
        "WHERE type = 'TRANSFER' AND related_id = {} ORDER BY id FOR UPDATE",
        op["related_id"],
    )
    return sorted(rows, key=lambda row: int(row["quantity_delta"]))


async def undo_stock_operation(op: dict[str, Any], actor: Actor) -> str:
    """Undo a RECEIPT, SALE, ADJUSTMENT or TRANSFER; returns the product's SKU."""
    if int(op["quantity_delta"]) == 0:
        raise ConflictError(
            f"operation #{op['id']} changed no stock; there is nothing to undo", field="id"
        )
    product = await _product_of(op)
    rows = await transfer_rows(op) if op["type"] == "TRANSFER" else [op]
    for row in reversed(rows):
        await _undo_row(row, product, actor)
    return product.sku
