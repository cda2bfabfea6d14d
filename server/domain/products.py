"""Products: create, read and delete items (searches: `product_search`, edits: `product_edit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from server.domain.db import engine, fetch, fetch_one
from server.domain.images import MEDIA_URL, thumbnail_name
from server.domain.operations import NewOperation, OperationType, record_operation
from server.domain.refs import Actor
from server.domain.sellable import AVAILABLE_SUM, sellable_sql
from server.domain.validation import clean_description, clean_ean, clean_name, clean_sku
from server.errors import ConflictError, NotFoundError


class NewProduct(msgspec.Struct, kw_only=True):
    """What a caller gives to create a product; values are cleaned and checked on create."""

    sku: str
    name: str
    ean: str | None = None
    description: str = ""
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    is_sync_enabled: bool = True


class ProductRecord(msgspec.Struct, kw_only=True):
    """A product with its total stock across warehouses.

    `total_available` is DESIGN §4's sellable over every warehouse with no safety buffer
    (`server.domain.sellable`): reserved units beyond one warehouse's quantity count against the
    others, and only the total is floored at zero.
    """

    id: int
    sku: str
    name: str
    ean: str | None
    image: str | None
    description: str
    attributes: dict[str, Any]
    is_sync_enabled: bool
    total_quantity: int
    total_reserved: int
    total_available: int
    created_at: datetime
    updated_at: datetime
    image_url: str | None = None
    thumbnail_url: str | None = None


class StockLine(msgspec.Struct, kw_only=True):
    """A product's stock in one warehouse.

    `available` is quantity less reserved, negative when more is reserved than the warehouse
    holds: that shortfall comes out of the other warehouses (`ProductRecord.total_available`).
    """

    warehouse: str
    warehouse_name: str
    quantity: int
    reserved: int
    available: int


_JSON = msgspec.json.Encoder()
COLUMNS = (
    "SELECT p.id, p.sku, p.name, p.ean, p.image, p.description, p.attributes, "
    "p.is_sync_enabled, p.created_at, p.updated_at, "
    "COALESCE(s.quantity, 0)::int AS total_quantity, "
    "COALESCE(s.reserved, 0)::int AS total_reserved, "
    f"{sellable_sql('s.available', '0')} AS total_available "
)
"""The columns of a `ProductRecord`, over a product `p` joined to its `STOCK_TOTALS` `s`."""
STOCK_TOTALS = (
    "LEFT JOIN LATERAL (SELECT SUM(st.quantity) AS quantity, SUM(st.reserved) AS reserved, "
    f"{AVAILABLE_SUM} AS available FROM stock st WHERE st.product = p.sku) s ON true "
)
"""One product's stock over every warehouse, looked up by index for each product row `p`."""
_SELECT = COLUMNS + "FROM product p " + STOCK_TOTALS


def to_record(row: dict[str, Any]) -> ProductRecord:
    """A row of `COLUMNS` as a `ProductRecord`, with its image URLs."""
    if isinstance(row["attributes"], str):
        row["attributes"] = msgspec.json.decode(row["attributes"])
    if row["image"]:
        row["image_url"] = MEDIA_URL + row["image"]
        row["thumbnail_url"] = MEDIA_URL + thumbnail_name(row["image"])
    return msgspec.convert(row, ProductRecord)


async def get_product(sku: str) -> ProductRecord:
    """One product by SKU, or NotFoundError naming the SKU."""
    row = await fetch_one(_SELECT + "WHERE p.sku = {}", sku)
    if row is None:
        raise NotFoundError(f"no product with SKU {sku!r}", field="sku")
    return to_record(row)


async def create_product(new: NewProduct, *, actor: Actor) -> ProductRecord:
    """Create a product after cleaning its fields; 409 if the SKU is taken."""
    sku = clean_sku(new.sku)
    values = {
        "sku": sku,
        "name": clean_name(new.name),
        "ean": clean_ean(new.ean),
        "description": clean_description(new.description),
        "attributes": new.attributes,
        "is_sync_enabled": new.is_sync_enabled,
    }
    async with engine().transaction():
        try:
            row = await fetch_one(
                "INSERT INTO product (sku, name, ean, description, attributes, is_sync_enabled, "
                "created_at, updated_at) VALUES ({}, {}, {}, {}, {}::jsonb, {}, now(), now()) "
                "RETURNING id",
                sku,
                values["name"],
                values["ean"],
                values["description"],
                _JSON.encode(new.attributes).decode(),
                new.is_sync_enabled,
            )
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"a product with SKU {sku!r} exists", field="sku") from None
        assert row is not None
        await record_operation(
            NewOperation(
                type=OperationType.PRODUCT_CREATE,
                sku=sku,
                product_id=row["id"],
                new_values=values,
                source=actor.source,
                user_email=actor.email,
            )
        )
    return await get_product(sku)


async def delete_product(sku: str, *, actor: Actor) -> None:
    """Delete a product; its stock, sales and transfers go with it (database cascades)."""
    async with engine().transaction():
        row = await fetch_one("DELETE FROM product WHERE sku = {} RETURNING id, name, ean", sku)
        if row is None:
            raise NotFoundError(f"no product with SKU {sku!r}", field="sku")
        await record_operation(
            NewOperation(
                type=OperationType.PRODUCT_DELETE,
                sku=sku,
                product_id=row["id"],
                old_values={"sku": sku, "name": row["name"], "ean": row["ean"]},
                source=actor.source,
                user_email=actor.email,
            )
        )


async def stock_for_product(sku: str) -> list[StockLine]:
    """Quantity and reserved units per active warehouse (zero where none is held)."""
    await get_product(sku)
    rows = await fetch(
        "SELECT w.code AS warehouse, w.name AS warehouse_name, "
        "COALESCE(s.quantity, 0) AS quantity, COALESCE(s.reserved, 0) AS reserved, "
        "COALESCE(s.quantity, 0) - COALESCE(s.reserved, 0) AS available "
        "FROM warehouse w LEFT JOIN stock s ON s.warehouse = w.id AND s.product = {} "
        "WHERE w.active OR s.id IS NOT NULL ORDER BY w.code",
        sku,
    )
    return [msgspec.convert(row, StockLine) for row in rows]
