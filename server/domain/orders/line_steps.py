"""The per-line steps of applying an order, inside `apply_order`'s transaction.

Every step moves a line from one status to the next under the line's row lock, so however many
importers read the same order at once, each transition (and its stock move) happens once.
"""

from __future__ import annotations

from typing import Any

from server.domain.db import fetch, fetch_one
from server.domain.ledger.order_moves import deduct_for_order, restock_for_order
from server.domain.orders.matching import match_line
from server.domain.orders.models import OrderLineIn
from server.domain.refs import Actor, ProductRef, WarehouseRef
from server.errors import InsufficientStockError

INSUFFICIENT = "insufficient_stock"
NO_WAREHOUSE = "no_source_warehouse"


def sale_key(account_id: int, external_order_id: str, external_line_id: str) -> str:
    """The sale idempotency key of an order line: (account, order id, line id)."""
    return f"order:{account_id}:{external_order_id}:{external_line_id}"


async def set_line(line_id: int, **values: Any) -> None:
    """Update some columns of a line (names come from this module, never from input)."""
    names = list(values)
    assignments = ", ".join(f"{name} = {{}}" for name in names)
    await fetch(
        f"UPDATE order_line SET {assignments}, updated_at = now() WHERE id = {{}}",
        *values.values(),
        line_id,
    )


async def _pick_warehouse(account_id: int, sku: str, quantity: int) -> WarehouseRef | None:
    """The account's first source warehouse that has the units: unreserved stock first."""
    row = await fetch_one(
        "SELECT w.id, w.code FROM account_warehouse aw JOIN warehouse w ON w.id = aw.warehouse "
        "JOIN stock s ON s.warehouse = w.id AND s.product = {} "
        "WHERE aw.account = {} AND w.active AND s.quantity >= {} "
        "ORDER BY (s.quantity - s.reserved >= {}) DESC, aw.position, w.id LIMIT 1 "
        "FOR UPDATE OF s",
        sku,
        account_id,
        quantity,
        quantity,
    )
    return None if row is None else WarehouseRef(id=int(row["id"]), code=str(row["code"]))


async def _has_source_warehouse(account_id: int) -> bool:
    row = await fetch_one("SELECT 1 AS one FROM account_warehouse WHERE account = {}", account_id)
    return row is not None


async def _merged_twin(account_id: int, external_line_id: str) -> dict[str, Any] | None:
    """A deducted line of the same id on an order Allegro merged away (its stock already moved)."""
    return await fetch_one(
        "SELECT ol.* FROM order_line ol JOIN order_import o ON o.id = ol.order "
        "WHERE o.account = {} AND o.state = 'MERGED' AND ol.external_line_id = {} "
        "AND ol.status = 'DEDUCTED' FOR UPDATE OF ol",
        account_id,
        external_line_id,
    )


async def deduct_line(
    account_id: int, external_order_id: str, line: dict[str, Any], actor: Actor
) -> str | None:
    """Deduct a NEW or CONFLICT line once; returns the SKU moved, or None (then it's a conflict
    or was carried over from a merged order)."""
    twin = await _merged_twin(account_id, line["external_line_id"])
    if twin is not None:
        await set_line(
            line["id"],
            status="DEDUCTED",
            sku=twin["sku"],
            warehouse=twin["warehouse"],
            sale_id=twin["sale_id"],
            deduct_operation_id=twin["deduct_operation_id"],
            conflict_reason=None,
        )
        await set_line(
            twin["id"], status="SKIPPED", conflict_reason=f"merged into {external_order_id}"
        )
        return None
    found = await match_line(account_id, line_in(line))
    if found.sku is None:
        await set_line(line["id"], status="CONFLICT", conflict_reason=found.conflict)
        return None
    return await deduct_sku(account_id, external_order_id, line, found.sku, actor)


async def deduct_sku(
    account_id: int, external_order_id: str, line: dict[str, Any], sku: str, actor: Actor
) -> str | None:
    """Deduct the line as `sku` from the first source warehouse with the units, or say why not."""
    product = await fetch_one("SELECT id, sku FROM product WHERE sku = {} FOR KEY SHARE", sku)
    if product is None:
        await set_line(line["id"], status="CONFLICT", conflict_reason=f"no product {sku!r}")
        return None
    warehouse = await _pick_warehouse(account_id, sku, int(line["quantity"]))
    if warehouse is None:
        reason = INSUFFICIENT if await _has_source_warehouse(account_id) else NO_WAREHOUSE
        detail = f"{reason}: no source warehouse of the account has {line['quantity']} of {sku}"
        await set_line(line["id"], status="CONFLICT", sku=sku, conflict_reason=detail)
        return None
    ref = ProductRef(id=int(product["id"]), sku=str(product["sku"]))
    try:
        move = await deduct_for_order(
            ref,
            warehouse,
            int(line["quantity"]),
            key=sale_key(account_id, external_order_id, line["external_line_id"]),
            actor=actor,
            reason=f"order {external_order_id}",
        )
    except InsufficientStockError as error:
        await set_line(line["id"], status="CONFLICT", sku=sku, conflict_reason=str(error))
        return None
    await set_line(
        line["id"],
        status="DEDUCTED",
        sku=ref.sku,
        warehouse=warehouse.id,
        sale_id=move.sale_id,
        deduct_operation_id=move.operation_id,
        conflict_reason=None,
    )
    return ref.sku


async def restock_line(external_order_id: str, line: dict[str, Any], actor: Actor) -> str | None:
    """Give a DEDUCTED line's units back to its warehouse; the line becomes RESTOCKED.

    The product is found through the sale row, whose SKU follows renames; a product deleted since
    leaves nothing to restock, and the line is closed as CANCELLED with that reason.
    """
    product = await fetch_one(
        "SELECT p.id, p.sku FROM sale s JOIN product p ON p.sku = s.product WHERE s.id = {} "
        "FOR KEY SHARE OF p",
        line["sale_id"],
    )
    if product is None:
        await set_line(
            line["id"], status="CANCELLED", conflict_reason="product deleted: nothing to restock"
        )
        return None
    warehouse = await fetch_one("SELECT id, code FROM warehouse WHERE id = {}", line["warehouse"])
    assert warehouse is not None, "order_line.warehouse is a restricting foreign key"
    move = await restock_for_order(
        ProductRef(id=int(product["id"]), sku=str(product["sku"])),
        WarehouseRef(id=int(warehouse["id"]), code=str(warehouse["code"])),
        int(line["quantity"]),
        sale_id=line["sale_id"],
        actor=actor,
        reason=f"order {external_order_id} cancelled",
    )
    await set_line(line["id"], status="RESTOCKED", restock_operation_id=move.operation_id)
    return str(product["sku"])


def line_in(row: dict[str, Any]) -> OrderLineIn:
    """The matching fields of a stored line."""
    return OrderLineIn(
        external_line_id=row["external_line_id"],
        quantity=int(row["quantity"]),
        name=row["name"],
        offer_id=row["offer_id"],
        wix_product_id=row["wix_product_id"],
        wix_variant_id=row["wix_variant_id"],
        external_sku=row["external_sku"],
    )
