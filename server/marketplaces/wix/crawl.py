"""Reading every page: V1 `numericId` crawls and platform cursor crawls, plus filter helpers.

V1 queries "are designed to handle a max of 10k data items" with offsets, so whole-catalogue
reads sort by `numericId` and filter `numericId > last` "until you receive an empty" page [DOC].
Platform queries follow `cursors.next` (filter and sort go only with the first page [typings]).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import msgspec

from server.marketplaces.wix.errors import WixApiError, WixInputError
from server.marketplaces.wix.models import WixInventoryItem, WixInventoryMetadata
from server.marketplaces.wix.session import WixSession
from server.marketplaces.wix.wire import INVENTORY_PAGE

T = TypeVar("T")
P = TypeVar("P")
Filter = dict[str, Any]

V1_PAGE_SIZE = 100
"""V1 queries return at most 100 items a page [DOC, typings]."""
V3_ITEMS_PAGE_SIZE = 1000
"""V3 inventory item queries return up to 1,000 a page [DOC]."""
V3_PRODUCTS_PAGE_SIZE = 100
"""V3 product queries return up to 100 a page [DOC]."""
FILTER_CHUNK = 100
"""Values per `$in`/`$hasSome` list (Wix names no maximum; kept modest)."""
V1_INVENTORY_QUERY = "/stores/v2/inventoryItems/query"
"""V1 Query Inventory (the service file's URL; `/stores-reader/v2/...` is the same API)."""
V3_ITEMS_QUERY = "/stores/v3/inventory-items/query"
WHOLE_CRAWL_THRESHOLD = 1000
"""Above this many filter values, reading everything once costs fewer calls than chunks."""
MAX_PAGES = 100_000
"""A crawl that has not ended after this many pages is broken, not big."""


def all_of(*filters: Filter | None) -> Filter:
    """The AND of the non-empty filters."""
    parts = [f for f in filters if f]
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


def chunks(values: Sequence[T], size: int = FILTER_CHUNK) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, order kept, duplicates dropped."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def batches(values: Sequence[T], size: int) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, order and duplicates kept."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_filter_string(text: str | None, what: str) -> Filter:
    """A caller's JSON filter string as an object (our input: `WixInputError` when bad)."""
    if not text:
        return {}
    try:
        value = msgspec.json.decode(text)
    except msgspec.DecodeError:
        raise WixInputError(f"{what} is not valid JSON: {text[:100]!r}") from None
    if not isinstance(value, dict):
        raise WixInputError(f"{what} must be a JSON object")
    return value


def dumps(value: Any) -> str:
    """Compact JSON text (V1 sends filters and sorts as strings)."""
    return msgspec.json.encode(value).decode()


async def crawl_v1(
    session: WixSession,
    path: str,
    decoder: msgspec.json.Decoder[P],
    items_of: Callable[[P], Sequence[T]],
    numeric_id: Callable[[T], int | None],
    *,
    base_filter: Filter,
    extra: dict[str, Any] | None = None,
) -> list[T]:
    """Every item of a V1 query, `numericId` ascending, 100 a page until a page is empty."""
    found: list[T] = []
    last: int | None = None
    for _ in range(MAX_PAGES):
        where = all_of(base_filter, {"numericId": {"$gt": last}} if last is not None else None)
        query: dict[str, Any] = {
            "sort": dumps([{"numericId": "asc"}]),
            "paging": {"limit": V1_PAGE_SIZE, "offset": 0},
        }
        if where:
            query["filter"] = dumps(where)
        page = await session.call(
            "POST", path, decoder, body={"query": query, **(extra or {})}, idempotent=True
        )
        items = items_of(page)
        if not items:
            return found
        found.extend(items)
        last = numeric_id(items[-1])
        if last is None:
            raise WixApiError(
                f"{path} returned an item without numericId", code="UNEXPECTED_RESPONSE"
            )
    raise WixApiError(f"{path}: crawl did not end", code="UNEXPECTED_RESPONSE")


async def crawl_cursor(
    session: WixSession,
    path: str,
    decoder: msgspec.json.Decoder[P],
    items_of: Callable[[P], Sequence[T]],
    paging_of: Callable[[P], WixInventoryMetadata],
    *,
    first: dict[str, Any],
    limit: int,
    envelope: str = "query",
) -> list[T]:
    """Every item of a platform query, following `cursors.next` to the last page."""
    found: list[T] = []
    request: dict[str, Any] = {**first, "cursorPaging": {"limit": limit}}
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page = await session.call("POST", path, decoder, body={envelope: request}, idempotent=True)
        items = items_of(page)
        found.extend(items)
        cursor = paging_of(page).next_cursor
        if not cursor or not items:
            return found
        if cursor in seen:
            raise WixApiError(f"{path} repeated a cursor", code="UNEXPECTED_RESPONSE")
        seen.add(cursor)
        request = {"cursorPaging": {"limit": limit, "cursor": cursor}}
    raise WixApiError(f"{path}: crawl did not end", code="UNEXPECTED_RESPONSE")


_LOCAL_FIELDS: dict[str, Callable[[WixInventoryItem], str | None]] = {
    "id": lambda item: item.id,
    "productId": lambda item: item.product_id,
    "variantId": lambda item: item.variant_id,
    "product.variantSku": lambda item: item.product.variant_sku if item.product else None,
}


async def _v1_items(session: WixSession, where: Filter) -> list[WixInventoryItem]:
    return await crawl_v1(
        session,
        V1_INVENTORY_QUERY,
        INVENTORY_PAGE,
        lambda page: page.inventory_items,
        lambda item: item.numeric_id,
        base_filter=where,
    )


async def _v3_items(session: WixSession, where: Filter) -> list[WixInventoryItem]:
    return await crawl_cursor(
        session,
        V3_ITEMS_QUERY,
        INVENTORY_PAGE,
        lambda page: page.inventory_items,
        lambda page: page.paging,
        first={"filter": where} if where else {},
        limit=V3_ITEMS_PAGE_SIZE,
    )


async def items_by(
    session: WixSession, field: str, values: Sequence[str] | None, rest: Filter
) -> list[WixInventoryItem]:
    """Every inventory item matching `rest` and, when `values` is given, `field` in `values`.

    Value lists are sent in chunks (items deduplicated by id, first seen kept); past
    `WHOLE_CRAWL_THRESHOLD` values of a field known here, everything is read once and matched here.
    """
    catalog = await session.catalog()
    crawl = _v1_items if catalog == "V1" else _v3_items
    if values is None:
        return await crawl(session, rest)
    getter = _LOCAL_FIELDS.get(field)
    if getter is not None and len(set(values)) > WHOLE_CRAWL_THRESHOLD:
        wanted = set(values)
        return [item for item in await crawl(session, rest) if getter(item) in wanted]
    operator = "$hasSome" if catalog == "V1" else "$in"
    seen: dict[str, WixInventoryItem] = {}
    for chunk in chunks(values):
        for item in await crawl(session, all_of(rest, {field: {operator: chunk}})):
            seen.setdefault(item.id, item)
    return list(seen.values())
