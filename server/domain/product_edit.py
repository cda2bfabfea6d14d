"""Editing products: clean the new values, write only what changed, audit it, keep every link.

A SKU change carries stock, sales, transfers, listings and sync locks with it (ON UPDATE CASCADE
on `product.sku`); order lines and the product's audit rows keep the SKU as text, so they are
updated in the same transaction. Each edit that changes something writes one PRODUCT_EDIT
operation holding only the changed fields' old and new values. `write_changes` is also how a
rollback puts old values back (`server.domain.rollback`).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from msgspec import UNSET, UnsetType

from server.domain.db import engine, fetch_one
from server.domain.hooks import on_stock_changed
from server.domain.operations import NewOperation, OperationType, record_operation
from server.domain.products import ProductRecord, get_product
from server.domain.refs import Actor
from server.domain.validation import (
    clean_attributes,
    clean_description,
    clean_ean,
    clean_name,
    clean_sku,
)
from server.errors import ConflictError, NotFoundError

EDITABLE_FIELDS = ("sku", "name", "ean", "description", "attributes", "image", "is_sync_enabled")
_JSON = msgspec.json.Encoder()


class ProductChanges(msgspec.Struct, kw_only=True):
    """The fields an edit sets; UNSET ones are left as they are. `image` is a stored file name."""

    sku: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    ean: str | UnsetType | None = UNSET
    description: str | UnsetType = UNSET
    attributes: dict[str, Any] | UnsetType = UNSET
    image: str | UnsetType | None = UNSET
    is_sync_enabled: bool | UnsetType = UNSET


def clean_changes(changes: ProductChanges) -> dict[str, Any]:
    """The set fields, cleaned and checked (ValidationFailedError names the field)."""
    cleaners: dict[str, Any] = {
        "sku": clean_sku,
        "name": clean_name,
        "ean": clean_ean,
        "description": clean_description,
        "attributes": clean_attributes,
    }
    values: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        value = getattr(changes, name)
        if value is UNSET:
            continue
        values[name] = cleaners[name](value) if name in cleaners else value
    return values


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("attributes"), str):
        row["attributes"] = msgspec.json.decode(row["attributes"])
    return row


async def lock_product_row(
    *, sku: str | None = None, product_id: int | None = None
) -> dict[str, Any]:
    """The product's editable values, locked until the transaction ends (404 if missing)."""
    columns = "id, " + ", ".join(EDITABLE_FIELDS)
    if product_id is not None:
        row = await fetch_one(
            f"SELECT {columns} FROM product WHERE id = {{}} FOR UPDATE", product_id
        )
    else:
        row = await fetch_one(f"SELECT {columns} FROM product WHERE sku = {{}} FOR UPDATE", sku)
    if row is None:
        named = f"id {product_id}" if product_id is not None else f"SKU {sku!r}"
        raise NotFoundError(f"no product with {named}", field="sku")
    return _decoded(row)


def diff(current: dict[str, Any], values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(old, new) for the fields whose value really changes."""
    changed = [name for name, value in values.items() if current[name] != value]
    return {name: current[name] for name in changed}, {name: values[name] for name in changed}


async def _check_sku_free(sku: str, product_id: int) -> None:
    holder = await fetch_one(
        "SELECT name FROM product WHERE sku = {} AND id <> {}", sku, product_id
    )
    if holder is not None:
        raise ConflictError(f"SKU {sku!r} belongs to product {holder['name']!r}", field="sku")


async def _rename(product_id: int, old_sku: str, new_sku: str) -> None:
    """Rows that keep the SKU as text follow the rename (the rest follow by cascade)."""
    await fetch_one("UPDATE order_line SET sku = {} WHERE sku = {} RETURNING id", new_sku, old_sku)
    await fetch_one(
        "UPDATE operation SET sku = {} WHERE product_id = {} RETURNING id", new_sku, product_id
    )


async def write_changes(current: dict[str, Any], new: dict[str, Any]) -> None:
    """Update the product row (inside the caller's transaction); 409 if the new SKU is taken."""
    product_id = int(current["id"])
    if "sku" in new:
        await _check_sku_free(new["sku"], product_id)
    assignments = [f"{name} = {{}}" + ("::jsonb" if name == "attributes" else "") for name in new]
    args = [_JSON.encode(v).decode() if k == "attributes" else v for k, v in new.items()]
    try:
        await fetch_one(
            f"UPDATE product SET {', '.join(assignments)}, updated_at = now() "
            "WHERE id = {} RETURNING id",
            *args,
            product_id,
        )
    except asyncpg.UniqueViolationError:
        raise ConflictError(f"SKU {new.get('sku')!r} is taken", field="sku") from None
    if "sku" in new:
        await _rename(product_id, current["sku"], new["sku"])


def skus_to_push(sku: str, new: dict[str, Any]) -> list[str]:
    """The SKU to re-sync after an edit: a new SKU, or sync switched back on."""
    return [sku] if "sku" in new or new.get("is_sync_enabled") is True else []


async def edit_product(sku: str, changes: ProductChanges, *, actor: Actor) -> ProductRecord:
    """Apply an edit; a no-op edit records nothing. Returns the product as it now is."""
    values = clean_changes(changes)
    async with engine().transaction():
        current = await lock_product_row(sku=sku)
        old, new = diff(current, values)
        if new:
            await write_changes(current, new)
            await record_operation(
                NewOperation(
                    type=OperationType.PRODUCT_EDIT,
                    sku=new.get("sku", current["sku"]),
                    product_id=int(current["id"]),
                    old_values=old,
                    new_values=new,
                    source=actor.source,
                    user_email=actor.email,
                )
            )
    final_sku = new.get("sku", current["sku"])
    await on_stock_changed(skus_to_push(final_sku, new))
    return await get_product(final_sku)
