"""Listings: which marketplace item of an account shows which product, made by hand or by auto-map.

A Wix item is a (product id, variant id) pair, with the inventory item id kept for the inventory
API; an Allegro item is an offer id. The database refuses a second mapping of the same item of an
account (unique keys), so one marketplace item never shows two products.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec
from msgspec import UNSET, UnsetType

from server.domain.credentials import Marketplace
from server.domain.db import engine, escape_like, fetch, fetch_one
from server.domain.item_ids import ITEM_FIELDS, ItemIds, clean_item_ids, item_key_changed
from server.domain.refs import lock_product
from server.domain.validation import clean_sku
from server.errors import ConflictError, NotFoundError

MAX_PAGE_SIZE = 200


class ListingRecord(msgspec.Struct, kw_only=True):
    """A listing with its product's SKU and name."""

    id: int
    account_id: int
    sku: str
    product_name: str
    wix_product_id: str | None
    wix_variant_id: str | None
    wix_inventory_item_id: str | None
    allegro_offer_id: str | None
    active: bool
    last_pushed_quantity: int | None
    last_seen_quantity: int | None
    last_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ListingPage(msgspec.Struct, kw_only=True):
    """One page of an account's listings, by SKU."""

    items: list[ListingRecord]
    total: int
    limit: int
    offset: int


class NewListing(ItemIds, frozen=True, kw_only=True):
    """A mapping made by hand: a product (by SKU) and the item's ids."""

    sku: str
    active: bool = True


class ListingChanges(msgspec.Struct, kw_only=True):
    """An edit: unset fields stay; an id set to None is cleared (where it may be empty)."""

    sku: str | UnsetType = UNSET
    wix_product_id: str | UnsetType | None = UNSET
    wix_variant_id: str | UnsetType | None = UNSET
    wix_inventory_item_id: str | UnsetType | None = UNSET
    allegro_offer_id: str | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


_SELECT = (
    "SELECT l.id, l.account AS account_id, l.product AS sku, p.name AS product_name, "
    "l.wix_product_id, l.wix_variant_id, l.wix_inventory_item_id, l.allegro_offer_id, l.active, "
    "l.last_pushed_quantity, l.last_seen_quantity, l.last_sync_at, l.created_at, l.updated_at "
    "FROM listing l JOIN product p ON p.sku = l.product "
)


async def account_marketplace(account_id: int) -> Marketplace:
    """The marketplace of an account, or NotFoundError."""
    row = await fetch_one("SELECT marketplace FROM marketplace_account WHERE id = {}", account_id)
    if row is None:
        raise NotFoundError(f"no marketplace account with id {account_id}")
    return Marketplace(row["marketplace"])


async def get_listing(account_id: int, listing_id: int) -> ListingRecord:
    """One listing of an account, or NotFoundError."""
    row = await fetch_one(_SELECT + "WHERE l.id = {} AND l.account = {}", listing_id, account_id)
    if row is None:
        raise NotFoundError(f"account {account_id} has no listing with id {listing_id}")
    return msgspec.convert(row, ListingRecord)


async def list_listings(
    account_id: int,
    *,
    q: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ListingPage:
    """An account's listings by SKU; `q` finds text in SKU or name, or an exact item id."""
    await account_marketplace(account_id)
    conditions = ["l.account = {}"]
    args: list[Any] = [account_id]
    if q and q.strip():
        text = q.strip()
        pattern = f"%{escape_like(text)}%"
        conditions.append(
            "(l.product ILIKE {} OR p.name ILIKE {} OR l.wix_product_id = {} "
            "OR l.wix_variant_id = {} OR l.allegro_offer_id = {})"
        )
        args += [pattern, pattern, text, text, text]
    if active is not None:
        conditions.append("l.active = {}")
        args.append(active)
    where = f"WHERE {' AND '.join(conditions)} "
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    rows = await fetch(
        _SELECT + where + "ORDER BY l.product, l.id LIMIT {} OFFSET {}", *args, limit, offset
    )
    count = await fetch_one(
        "SELECT count(*) AS n FROM listing l JOIN product p ON p.sku = l.product " + where, *args
    )
    items = [msgspec.convert(row, ListingRecord) for row in rows]
    return ListingPage(
        items=items, total=int(count["n"]) if count else 0, limit=limit, offset=offset
    )


async def _check_item_free(account_id: int, ids: ItemIds, *, exclude: int | None = None) -> None:
    """ConflictError naming the SKU if the item is already mapped in this account."""
    row = await fetch_one(
        "SELECT product FROM listing WHERE account = {} AND id IS DISTINCT FROM {} AND "
        "(allegro_offer_id = {} OR (wix_product_id = {} AND wix_variant_id = {}))",
        account_id,
        exclude,
        ids.allegro_offer_id,
        ids.wix_product_id,
        ids.wix_variant_id,
    )
    if row is not None:
        field = "allegro_offer_id" if ids.allegro_offer_id else "wix_variant_id"
        raise ConflictError(
            f"this marketplace item is already mapped to SKU {row['product']!r}", field=field
        )


def _taken() -> ConflictError:
    return ConflictError("this marketplace item was mapped by someone else just now")


async def create_listing(account_id: int, new: NewListing) -> ListingRecord:
    """Map a product to a marketplace item by hand; 409 if the item is mapped already."""
    marketplace = await account_marketplace(account_id)
    ids = clean_item_ids(marketplace, new)
    sku = clean_sku(new.sku)
    async with engine().transaction():
        product = await lock_product(sku)
        await _check_item_free(account_id, ids)
        try:
            row = await fetch_one(
                "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, "
                "wix_inventory_item_id, allegro_offer_id, active, created_at, updated_at) "
                "VALUES ({}, {}, {}, {}, {}, {}, {}, now(), now()) RETURNING id",
                account_id,
                product.sku,
                ids.wix_product_id,
                ids.wix_variant_id,
                ids.wix_inventory_item_id,
                ids.allegro_offer_id,
                new.active,
            )
        except asyncpg.UniqueViolationError:
            raise _taken() from None
    assert row is not None
    return await get_listing(account_id, row["id"])


async def _write(listing_id: int, sku: str, ids: ItemIds, active: bool, moved: bool) -> None:
    """Store an edited listing; a moved one forgets its last pushed/seen quantities."""
    try:
        await fetch(
            "UPDATE listing SET product = {}, wix_product_id = {}, wix_variant_id = {}, "
            "wix_inventory_item_id = {}, allegro_offer_id = {}, active = {}, "
            "last_pushed_quantity = CASE WHEN {} THEN NULL ELSE last_pushed_quantity END, "
            "last_seen_quantity = CASE WHEN {} THEN NULL ELSE last_seen_quantity END, "
            "last_sync_at = CASE WHEN {} THEN NULL ELSE last_sync_at END, "
            "updated_at = now() WHERE id = {}",
            sku,
            ids.wix_product_id,
            ids.wix_variant_id,
            ids.wix_inventory_item_id,
            ids.allegro_offer_id,
            active,
            moved,
            moved,
            moved,
            listing_id,
        )
    except asyncpg.UniqueViolationError:
        raise _taken() from None


async def update_listing(
    account_id: int, listing_id: int, changes: ListingChanges
) -> ListingRecord:
    """Point a listing at another product or item, or pause/resume it.

    A new product or item forgets the quantities last pushed and seen: they were another pair's.
    """
    marketplace = await account_marketplace(account_id)
    async with engine().transaction():
        current = await fetch_one(
            "SELECT product, active, wix_product_id, wix_variant_id, wix_inventory_item_id, "
            "allegro_offer_id FROM listing WHERE id = {} AND account = {} FOR UPDATE",
            listing_id,
            account_id,
        )
        if current is None:
            raise NotFoundError(f"account {account_id} has no listing with id {listing_id}")
        merged = {name: current[name] for name in ITEM_FIELDS}
        merged.update({n: v for n in ITEM_FIELDS if (v := getattr(changes, n)) is not UNSET})
        ids = clean_item_ids(marketplace, ItemIds(**merged))
        sku = current["product"] if isinstance(changes.sku, UnsetType) else clean_sku(changes.sku)
        if sku != current["product"]:
            await lock_product(sku)
        await _check_item_free(account_id, ids, exclude=listing_id)
        moved = sku != current["product"] or item_key_changed(ids, current)
        active = current["active"] if isinstance(changes.active, UnsetType) else changes.active
        await _write(listing_id, sku, ids, active, moved)
    return await get_listing(account_id, listing_id)


async def delete_listing(account_id: int, listing_id: int) -> None:
    """Remove a mapping; the marketplace item is left as it is."""
    row = await fetch_one(
        "DELETE FROM listing WHERE id = {} AND account = {} RETURNING id", listing_id, account_id
    )
    if row is None:
        raise NotFoundError(f"account {account_id} has no listing with id {listing_id}")
