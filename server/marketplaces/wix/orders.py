"""Wix eCommerce orders: Search Orders with cursor paging, and the order fields a sync needs.

`POST /ecom/v1/orders/search` takes `{"search": {filter, sort, cursorPaging}}`; later pages send
only `cursorPaging.cursor`. Answers carry the paging under `metadata` [typings] (some clients saw
`pagingMetadata`; both are read). `INITIALIZED` orders are never returned [DOC]. Order `number`
is a string in every example and a number on one newer page [DOC], so both are accepted.
`GET /ecom/v1/orders/{id}` answers `{"order": {...}}` [DOC].
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from server.marketplaces.wix.crawl import MAX_PAGES
from server.marketplaces.wix.errors import WixApiError, WixInputError
from server.marketplaces.wix.models import WixInventoryMetadata
from server.marketplaces.wix.session import WixSession

ORDERS_PAGE_SIZE = 100
"""Search Orders returns up to 100 orders a page [typings]."""
STORES_APP_IDS = frozenset(
    {"215238eb-22a5-4c36-9e7b-e7c08025e04e", "1380b703-ce81-ff05-f115-39571d94dfcd"}
)
"""Wix Stores' app id in `catalogReference.appId` (current, and an older example's) [DOC-EX]."""
ORDER_ID = re.compile(r"[A-Za-z0-9-]{1,100}")
"""Order ids are GUIDs [DOC]; anything else never reaches a URL path."""


class _Wire(msgspec.Struct, rename="camel", kw_only=True):
    """Base of upstream payloads: camelCase names, every field optional."""


class WixCatalogReference(_Wire):
    """Which catalogue item a line is: Stores product id and `options.variantId`."""

    catalog_item_id: str | None = None
    app_id: str | None = None
    options: dict[str, Any] | None = None

    @property
    def variant_id(self) -> str | None:
        """The Stores variant id of the line, if any."""
        value = (self.options or {}).get("variantId")
        return str(value) if value else None


class WixOrderLineItem(_Wire):
    """One order line."""

    id: str = ""
    quantity: int = 0
    catalog_reference: WixCatalogReference | None = None
    physical_properties: dict[str, Any] | None = None
    product_name: dict[str, Any] | None = None
    item_type: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The product name as the buyer saw it (`productName.original`), or ""."""
        return str((self.product_name or {}).get("original") or "")

    @property
    def sku(self) -> str | None:
        """The line's SKU, if Wix recorded one."""
        value = (self.physical_properties or {}).get("sku")
        return str(value) if value else None

    @property
    def is_stores_item(self) -> bool:
        """Whether the line is a Wix Stores product (not a custom line or another app's item)."""
        reference = self.catalog_reference
        return reference is not None and reference.app_id in STORES_APP_IDS


class WixOrder(_Wire):
    """An order with the fields needed to deduct and restock exactly once."""

    id: str = ""
    number: str | int | None = None
    created_date: str | None = None
    updated_date: str | None = None
    status: str | None = None
    payment_status: str | None = None
    fulfillment_status: str | None = None
    archived: bool | None = None
    buyer_info: dict[str, Any] | None = None
    line_items: list[WixOrderLineItem] = msgspec.field(default_factory=list)


class WixOrdersPage(_Wire):
    """One page of Search Orders."""

    orders: list[WixOrder] = msgspec.field(default_factory=list)
    metadata: WixInventoryMetadata | None = None
    paging_metadata: WixInventoryMetadata | None = None

    @property
    def next_cursor(self) -> str | None:
        """The next page's cursor, if there is one."""
        paging = self.metadata or self.paging_metadata
        return paging.next_cursor if paging else None


class WixOrderEnvelope(_Wire):
    """Get Order's answer."""

    order: WixOrder | None = None


ORDERS_PAGE = msgspec.json.Decoder(WixOrdersPage, strict=False)
ORDER_ENVELOPE = msgspec.json.Decoder(WixOrderEnvelope, strict=False)


async def get_order(session: WixSession, order_id: str) -> WixOrder:
    """One order by id (a 404 is a `WixApiError` with status 404)."""
    if not ORDER_ID.fullmatch(order_id):
        raise WixInputError("order_id must be a Wix order id (letters, digits and dashes)")
    answer = await session.call(
        "GET", f"/ecom/v1/orders/{order_id}", ORDER_ENVELOPE, idempotent=True
    )
    if answer.order is None or not answer.order.id:
        raise WixApiError("Get Order answered no order", code="UNEXPECTED_RESPONSE")
    return answer.order


async def iter_order_pages(
    session: WixSession,
    filter_: dict[str, Any] | None = None,
    sort: list[dict[str, str]] | None = None,
    page_size: int = ORDERS_PAGE_SIZE,
) -> AsyncIterator[WixOrdersPage]:
    """Search Orders page by page until the last page."""
    if not 1 <= page_size <= ORDERS_PAGE_SIZE:
        raise WixInputError(f"page_size must be 1..{ORDERS_PAGE_SIZE}")
    if sort is not None and len(sort) > 4:
        raise WixInputError("Search Orders takes at most 4 sort fields")
    search: dict[str, Any] = {"cursorPaging": {"limit": page_size}}
    if filter_:
        search["filter"] = filter_
    if sort:
        search["sort"] = sort
    for _ in range(MAX_PAGES):
        page = await session.call(
            "POST", "/ecom/v1/orders/search", ORDERS_PAGE, body={"search": search}, idempotent=True
        )
        yield page
        cursor = page.next_cursor
        if not cursor or not page.orders:
            return
        search = {"cursorPaging": {"limit": page_size, "cursor": cursor}}
    raise WixApiError("Search Orders did not end", code="UNEXPECTED_RESPONSE")


async def search_orders(
    session: WixSession,
    filter_: dict[str, Any] | None = None,
    sort: list[dict[str, str]] | None = None,
    page_size: int = ORDERS_PAGE_SIZE,
) -> list[WixOrder]:
    """Every order matching the filter (e.g. `{"updatedDate": {"$gt": "..."}}`), all pages."""
    orders: list[WixOrder] = []
    async for page in iter_order_pages(session, filter_, sort, page_size):
        orders.extend(page.orders)
    return orders
