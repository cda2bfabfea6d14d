"""What each marketplace listing should show (DESIGN §4), read set-based in one query per call.

    sellable = max(0, Σ over the account's source warehouses (quantity - reserved) - safety buffer)

Only listings the sync may touch are returned: the product has `is_sync_enabled`, the listing is
active and its account is active. A listing missing from the answer is "left alone" — nothing is
pushed to it.

One rule when reserved units exceed a warehouse's quantity. DESIGN §4 floors only the total —
"sellable(listing) = max(0, Σ over the account's source warehouses (quantity - reserved) - safety
buffer)" — and §6 fills an order from "the account's first source warehouse that has stock", so
an order is not tied to one warehouse and its reservation is a claim on the account's stock: what
one warehouse cannot cover comes out of the others. Flooring each warehouse at zero would offer
those units again (e.g. A holds 2 with 5 reserved, B holds 10: 10 offered, 3 of them promised);
the total floor (7) never offers more than the pooled stock less every reservation, so it never
oversells. `AVAILABLE_SUM` and `sellable_sql` are that rule in SQL: the pushed value, the drift
pages and the product page and API (`server.domain.products`) all read it from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from server.domain.db import fetch


class SellableListing(msgspec.Struct, kw_only=True, frozen=True):
    """One listing the sync may push to, with its marketplace item ids and target quantity."""

    listing_id: int
    account_id: int
    marketplace: str
    sku: str
    wix_product_id: str | None
    wix_variant_id: str | None
    wix_inventory_item_id: str | None
    allegro_offer_id: str | None
    last_pushed_quantity: int | None
    last_seen_quantity: int | None
    sellable: int


AVAILABLE_SUM = "sum(st.quantity - st.reserved)"
"""Units free for sale over a group of `stock st` rows, reservations netted across them."""


def sellable_sql(available: str, safety_buffer: str) -> str:
    """The rule as an SQL expression over an `AVAILABLE_SUM` (NULL when no stock) and a buffer."""
    return f"GREATEST(0, COALESCE({available}, 0) - {safety_buffer})::int"


def sellable_quantity(available: int, safety_buffer: int) -> int:
    """The rule itself: units available in the source warehouses less the buffer, never < 0."""
    return max(0, available - safety_buffer)


SELLABLE = sellable_sql("av.available", "a.safety_buffer")
"""A listing's sellable, given its account `a` and `LISTING_STOCK` (or the account's) `av`."""

LISTING_STOCK = (
    f"LEFT JOIN LATERAL (SELECT {AVAILABLE_SUM} AS available FROM stock st "
    "JOIN account_warehouse aw ON aw.warehouse = st.warehouse "
    "WHERE aw.account = l.account AND st.product = l.product) av ON true "
)
"""The stock of a listing `l` in its account's source warehouses, looked up through indexes."""

_COLUMNS = (
    "SELECT l.id AS listing_id, l.account AS account_id, a.marketplace, l.product AS sku, "
    "l.wix_product_id, l.wix_variant_id, l.wix_inventory_item_id, l.allegro_offer_id, "
    "l.last_pushed_quantity, l.last_seen_quantity, "
    f"{SELLABLE} AS sellable "
    "FROM listing l "
    "JOIN marketplace_account a ON a.id = l.account AND a.active "
    "JOIN product p ON p.sku = l.product AND p.is_sync_enabled "
)

# One account: aggregate the stock of its source warehouses once, then hash-join it to the
# listings (about 0.4 s in PostgreSQL for 100,000 listings; a per-listing lookup is ~5x slower).
_ACCOUNT_STOCK = (
    f"LEFT JOIN (SELECT st.product, {AVAILABLE_SUM} AS available FROM stock st "
    "WHERE st.warehouse = ANY(ARRAY(SELECT aw.warehouse FROM account_warehouse aw "
    "WHERE aw.account = {{}})){filters} GROUP BY st.product) av ON av.product = l.product "
)


def _rows_to_listings(rows: list[dict[str, Any]]) -> list[SellableListing]:
    return [SellableListing(**row) for row in rows]


async def sellable_for_account(
    account_id: int,
    *,
    skus: Sequence[str] | None = None,
    listing_ids: Sequence[int] | None = None,
) -> list[SellableListing]:
    """The syncable listings of one account with their sellable quantity, by SKU then id.

    `skus` and `listing_ids` narrow the answer (both given: listings matching both); an empty
    sequence answers nothing. An inactive or unknown account answers nothing.
    """
    if (skus is not None and not skus) or (listing_ids is not None and not listing_ids):
        return []
    stock_filters = ""
    where = ["l.account = {}", "l.active"]
    stock_args: list[Any] = [account_id]
    where_args: list[Any] = [account_id]
    if skus is not None:
        sku_list = sorted(set(skus))
        stock_filters += " AND st.product = ANY({}::text[])"
        stock_args.append(sku_list)
        where.append("l.product = ANY({}::text[])")
        where_args.append(sku_list)
    if listing_ids is not None:
        id_list = sorted(set(listing_ids))
        stock_filters += (
            " AND st.product IN (SELECT product FROM listing WHERE id = ANY({}::int[]))"
        )
        stock_args.append(id_list)
        where.append("l.id = ANY({}::int[])")
        where_args.append(id_list)
    sql = (
        _COLUMNS
        + _ACCOUNT_STOCK.format(filters=stock_filters)
        + f"WHERE {' AND '.join(where)} ORDER BY l.product, l.id"
    )
    return _rows_to_listings(await fetch(sql, *stock_args, *where_args))


async def listings_for_sku(sku: str) -> list[SellableListing]:
    """Every syncable listing of one SKU across all active accounts (the event-driven path)."""
    rows = await fetch(
        _COLUMNS + LISTING_STOCK + "WHERE l.product = {} AND l.active ORDER BY l.account, l.id",
        sku,
    )
    return _rows_to_listings(rows)


async def listings_for_skus(skus: Sequence[str]) -> list[SellableListing]:
    """Every syncable listing of several SKUs across all active accounts, by SKU, account, id."""
    if not skus:
        return []
    rows = await fetch(
        _COLUMNS
        + LISTING_STOCK
        + "WHERE l.product = ANY({}::text[]) AND l.active ORDER BY l.product, l.account, l.id",
        sorted(set(skus)),
    )
    return _rows_to_listings(rows)
