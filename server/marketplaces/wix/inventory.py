"""Reading inventory items: one page (`query_inventory`) or all of them (`get_all_inventory_items`).

`query_inventory` keeps the V1 call's shape (filter and sort as JSON strings, offset paging) on
both catalogues: on V3 the filter string is sent as an object and a V1 sort string
(`[{"field": "asc"}]`) becomes `[{"fieldName", "order"}]`. Inventory items know nothing about
visibility or product type, so those conditions are resolved through the products first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.marketplaces.wix.crawl import (
    V1_INVENTORY_QUERY,
    V1_PAGE_SIZE,
    V3_ITEMS_PAGE_SIZE,
    V3_ITEMS_QUERY,
    all_of,
    dumps,
    items_by,
    parse_filter_string,
)
from server.marketplaces.wix.errors import WixInputError
from server.marketplaces.wix.models import (
    WixInventoryFilter,
    WixInventoryItem,
    WixInventoryQuery,
    WixInventoryResponse,
    WixPagingQuery,
    WixProductFilter,
)
from server.marketplaces.wix.products import get_all_products
from server.marketplaces.wix.session import WixSession
from server.marketplaces.wix.wire import INVENTORY_PAGE


def v3_sort(sort_str: str | None) -> list[dict[str, str]]:
    """A V1-style sort string (`[{"field": "asc"}]`) or a platform sort list, as a V3 sort."""
    if not sort_str:
        return []
    raw = parse_filter_string(f'{{"sort": {sort_str}}}', "sort_str")["sort"]
    if not isinstance(raw, list):
        raise WixInputError("sort_str must be a JSON array")
    sort = []
    for entry in raw:
        if isinstance(entry, dict) and "fieldName" in entry:
            name, order = entry["fieldName"], entry.get("order", "ASC")
        elif isinstance(entry, dict) and len(entry) == 1:
            name, order = next(iter(entry.items()))
        else:
            raise WixInputError(f"cannot read sort entry {entry!r}")
        sort.append({"fieldName": str(name), "order": str(order).upper()})
    return sort


async def query_inventory(
    session: WixSession,
    product_ids: Sequence[str] | None = None,
    filter_str: str | None = None,
    sort_str: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> WixInventoryResponse:
    """One page of inventory items (V1: up to 100; V3: up to 1,000), offset paging."""
    catalog = await session.catalog()
    maximum = V1_PAGE_SIZE if catalog == "V1" else V3_ITEMS_PAGE_SIZE
    if not 1 <= limit <= maximum or offset < 0:
        raise WixInputError(f"limit must be 1..{maximum} and offset >= 0 (got {limit}, {offset})")
    where = parse_filter_string(filter_str, "filter_str")
    if product_ids:
        operator = "$hasSome" if catalog == "V1" else "$in"
        where = all_of(where, {"productId": {operator: list(product_ids)}})
    if catalog == "V1":
        v1_query = WixInventoryQuery(
            filter=dumps(where) if where else None,
            sort=sort_str or None,
            paging=WixPagingQuery(limit=limit, offset=offset),
        )
        body: dict[str, Any] = {"query": v1_query}
        return await session.call(
            "POST", V1_INVENTORY_QUERY, INVENTORY_PAGE, body=body, idempotent=True
        )
    v3_query: dict[str, Any] = {"paging": {"limit": limit, "offset": offset}}
    if where:
        v3_query["filter"] = where
    if sort := v3_sort(sort_str):
        v3_query["sort"] = sort
    body = {"query": v3_query}
    return await session.call("POST", V3_ITEMS_QUERY, INVENTORY_PAGE, body=body, idempotent=True)


async def _narrowed_product_ids(
    session: WixSession, wanted: WixInventoryFilter, v1: bool
) -> list[str] | None:
    """Product ids allowed by the product-level conditions (None: no condition)."""
    ids = list(wanted.product_ids) if wanted.product_ids is not None else None
    by_products = wanted.visible is not None or wanted.product_type is not None
    if not (by_products or (v1 and wanted.skus is not None)):
        return ids
    products = await get_all_products(
        session,
        WixProductFilter(
            skus=wanted.skus if v1 else None,
            product_ids=ids,
            visible=wanted.visible,
            product_type=wanted.product_type,
            include_variants=False,
        ),
    )
    return [p.id for p in products]


async def get_all_inventory_items(
    session: WixSession, wanted: WixInventoryFilter | None = None
) -> list[WixInventoryItem]:
    """Every inventory item matching `wanted`, all pages (V1: one per product; V3: per variant)."""
    wanted = wanted or WixInventoryFilter()
    v1 = await session.catalog() == "V1"
    ids = await _narrowed_product_ids(session, wanted, v1)
    if ids is not None and not ids:
        return []
    custom = dict(wanted.custom or {})
    if not v1 and wanted.skus is not None:
        items = await items_by(session, "product.variantSku", wanted.skus, custom)
        allowed = set(ids) if ids is not None else None
        return [i for i in items if allowed is None or i.product_id in allowed]
    return await items_by(session, "productId", ids, custom)
