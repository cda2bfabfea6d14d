"""Drift: listings whose marketplace quantity (as last seen) differs from what is sellable.

`listings_sync_state` shows a product's listings with the same numbers, for its page.
Only listings the sync may touch count (see `server.domain.sellable`); a listing never read from
its marketplace (`last_seen_quantity` unknown) is not drift yet. Paged by listing id.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from server.domain.db import fetch
from server.domain.sellable import LISTING_STOCK, SELLABLE

MAX_PAGE_SIZE = 500


class DriftRow(msgspec.Struct, kw_only=True):
    """One listing out of step with the warehouse."""

    listing_id: int
    account_id: int
    account_name: str
    marketplace: str
    sku: str
    product_name: str
    sellable: int
    marketplace_quantity: int
    last_pushed_quantity: int | None

    @property
    def difference(self) -> int:
        """Marketplace minus sellable (positive: the marketplace shows too many)."""
        return self.marketplace_quantity - self.sellable


class DriftPage(msgspec.Struct, kw_only=True):
    """Drifting listings by id; pass `next_after` back as `after` for the next page."""

    items: list[DriftRow]
    next_after: int | None


_DRIFT = (
    "SELECT l.id AS listing_id, l.account AS account_id, a.name AS account_name, a.marketplace, "
    "l.product AS sku, p.name AS product_name, "
    f"{SELLABLE} AS sellable, "
    "l.last_seen_quantity AS marketplace_quantity, l.last_pushed_quantity "
    "FROM listing l "
    "JOIN marketplace_account a ON a.id = l.account AND a.active "
    "JOIN product p ON p.sku = l.product AND p.is_sync_enabled "
    + LISTING_STOCK
    + "WHERE l.active AND l.last_seen_quantity IS NOT NULL "
    f"AND l.last_seen_quantity <> {SELLABLE} "
    "AND ({}::int IS NULL OR l.account = {}) AND ({}::int IS NULL OR l.id > {}) "
    "ORDER BY l.id LIMIT {}"
)


async def list_drift(
    *, account_id: int | None = None, after: int | None = None, limit: int = 100
) -> DriftPage:
    """A page of drifting listings, optionally of one account, after listing `after`."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = await fetch(_DRIFT, account_id, account_id, after, after, limit + 1)
    items = [DriftRow(**row) for row in rows[:limit]]
    return DriftPage(items=items, next_after=items[-1].listing_id if len(rows) > limit else None)


class ListingSyncRow(msgspec.Struct, kw_only=True):
    """One listing of a product with what the marketplace shows and when it was last synced."""

    listing_id: int
    account_id: int
    account_name: str
    marketplace: str
    active: bool
    account_active: bool
    sellable: int
    last_seen_quantity: int | None
    last_pushed_quantity: int | None
    last_sync_at: datetime | None


_PRODUCT_LISTINGS = (
    "SELECT l.id AS listing_id, l.account AS account_id, a.name AS account_name, a.marketplace, "
    "l.active, a.active AS account_active, "
    f"{SELLABLE} AS sellable, "
    "l.last_seen_quantity, l.last_pushed_quantity, l.last_sync_at "
    "FROM listing l JOIN marketplace_account a ON a.id = l.account "
    + LISTING_STOCK
    + "WHERE l.product = {} ORDER BY a.marketplace, a.name, l.id"
)


async def listings_sync_state(sku: str) -> list[ListingSyncRow]:
    """Every listing of a product (synced or not) with its marketplace and last sync state."""
    return [ListingSyncRow(**row) for row in await fetch(_PRODUCT_LISTINGS, sku)]


async def count_drift(*, limit: int = 100_000) -> int:
    """How many listings drift (counted up to `limit`)."""
    rows = await fetch(
        f"SELECT count(*) AS n FROM ({_DRIFT}) d", None, None, None, None, max(1, limit)
    )
    return int(rows[0]["n"])
