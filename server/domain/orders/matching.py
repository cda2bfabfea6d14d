"""Which product an order line sold: by the account's listing, else by the SKU the marketplace
carries (Allegro `external.id`, Wix `physicalProperties.sku`).

Nothing is guessed (issue 5): a line that matches no product, or whose listing and SKU name two
different products, is a conflict with a reason a person can act on.
"""

from __future__ import annotations

import msgspec

from server.domain.db import fetch, fetch_one
from server.domain.orders.models import OrderLineIn

UNKNOWN_ITEM = "unknown_item"
AMBIGUOUS = "ambiguous"


class LineMatch(msgspec.Struct, frozen=True, kw_only=True):
    """The line's SKU, or why there is none."""

    sku: str | None = None
    conflict: str | None = None


async def _listing_skus(account_id: int, line: OrderLineIn) -> set[str]:
    if line.offer_id:
        rows = await fetch(
            "SELECT product FROM listing WHERE account = {} AND allegro_offer_id = {}",
            account_id,
            line.offer_id,
        )
    elif line.wix_product_id and line.wix_variant_id:
        rows = await fetch(
            "SELECT product FROM listing WHERE account = {} AND wix_product_id = {} "
            "AND wix_variant_id = {}",
            account_id,
            line.wix_product_id,
            line.wix_variant_id,
        )
    elif line.wix_product_id:
        rows = await fetch(
            "SELECT product FROM listing WHERE account = {} AND wix_product_id = {}",
            account_id,
            line.wix_product_id,
        )
    else:
        rows = []
    return {str(row["product"]) for row in rows}


async def match_line(account_id: int, line: OrderLineIn) -> LineMatch:
    """The product a line sold, or a conflict: `unknown_item` or `ambiguous`."""
    by_listing = await _listing_skus(account_id, line)
    if len(by_listing) > 1:
        names = ", ".join(sorted(by_listing))
        return LineMatch(conflict=f"{AMBIGUOUS}: the item is listed as several products ({names})")
    by_sku: str | None = None
    if line.external_sku:
        row = await fetch_one("SELECT sku FROM product WHERE sku = {}", line.external_sku)
        by_sku = None if row is None else str(row["sku"])
    listed = next(iter(by_listing), None)
    if listed and by_sku and listed != by_sku:
        return LineMatch(
            conflict=f"{AMBIGUOUS}: listing says {listed}, the marketplace SKU says {by_sku}"
        )
    sku = listed or by_sku
    if sku is None:
        item = line.offer_id or line.wix_product_id or line.external_sku or "?"
        return LineMatch(conflict=f"{UNKNOWN_ITEM}: no listing or product matches {item}")
    return LineMatch(sku=sku)
