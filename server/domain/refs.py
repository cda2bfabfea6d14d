"""Who is acting, and lookups of products and warehouses that ledger operations lock or read."""

from __future__ import annotations

import msgspec

from server.domain.db import fetch_one
from server.errors import NotFoundError, ValidationFailedError


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """The person or system making a change: recorded on every operation row."""

    email: str = ""
    source: str = "manual"


SYSTEM = Actor(email="system", source="system")


class ProductRef(msgspec.Struct, frozen=True):
    """A product's id and SKU."""

    id: int
    sku: str


class WarehouseRef(msgspec.Struct, frozen=True):
    """A warehouse's id and code."""

    id: int
    code: str


async def lock_product(sku: str) -> ProductRef:
    """Find a product and hold a key-share lock on it until the transaction ends.

    The lock stops a concurrent delete or SKU rename from slipping between our reads and writes.
    """
    row = await fetch_one("SELECT id, sku FROM product WHERE sku = {} FOR KEY SHARE", sku)
    if row is None:
        raise NotFoundError(f"no product with SKU {sku!r}", field="sku")
    return ProductRef(id=row["id"], sku=row["sku"])


async def warehouse_by_code(code: str, *, field: str = "warehouse") -> WarehouseRef:
    """An active warehouse by its code; 404 if unknown, 422 if inactive."""
    row = await fetch_one("SELECT id, code, active FROM warehouse WHERE code = {}", code)
    if row is None:
        raise NotFoundError(f"no warehouse with code {code!r}", field=field)
    if not row["active"]:
        raise ValidationFailedError(f"warehouse {code!r} is inactive", field=field)
    return WarehouseRef(id=row["id"], code=row["code"])
