"""Product search: one page of the catalogue in SKU order, by offset or by SKU cursor (keyset).

A page is chosen first, on the product table alone: `product_sku_key` walks the SKUs in order, an
index-only scan when nothing filters on other columns. Only then do the page's products (at most
`MAX_PAGE_SIZE`) get their stock totals (`products.STOCK_TOTALS`, the sellable rule of
`server.domain.sellable`), so a deep page never aggregates the stock of the rows it skips.

Three ways to say where a page starts; give at most one:

- `offset`: skip that many matches. Kept for existing clients; a deep offset still walks the
  skipped SKUs in the index (cheap per row, but proportional to the offset).
- `after`: the matches whose SKU sorts after this one (keyset). Each page answers the
  `next_after` of the next one; a product created or deleted between two reads never shifts a
  later page, so walking with `after` neither repeats nor misses a product that was there
  throughout. Its cost does not grow with the depth.
- `before`: the matches whose SKU sorts before this one, the page ending just before it (the
  way back, `prev_before`). When fewer than a page's worth remain before it, the answer is the
  first page instead, so "previous" always lands on a full page.

The total follows `server.domain.product_totals` (exact for small catalogues and searches,
a recent count for a large catalogue, capped for a broad search).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from server.domain.db import escape_like, fetch
from server.domain.product_totals import CACHE_SECONDS, count_matches
from server.domain.products import COLUMNS, STOCK_TOTALS, ProductRecord, to_record
from server.errors import InvalidRequestError

MAX_PAGE_SIZE = 100


class ProductPage(msgspec.Struct, kw_only=True):
    """One page of a product search, in SKU order."""

    items: list[ProductRecord]
    total: Annotated[int, msgspec.Meta(description="how many products match (see the flags)")]
    total_is_estimate: Annotated[
        bool,
        msgspec.Meta(
            description=f"`total` is a count of the whole catalogue made up to {CACHE_SECONDS:g} s "
            "ago, kept for a large catalogue instead of recounting every page"
        ),
    ] = False
    total_is_capped: Annotated[
        bool,
        msgspec.Meta(description="counting stopped at `total`: more than `total` products match"),
    ] = False
    limit: int
    offset: int
    after: str | None = None
    before: str | None = None
    next_after: Annotated[
        str | None,
        msgspec.Meta(description="pass as `after` for the next page; null on the last page"),
    ] = None
    prev_before: Annotated[
        str | None,
        msgspec.Meta(description="pass as `before` for the previous page; null on the first"),
    ] = None


class _Window(msgspec.Struct, kw_only=True):
    """The rows of a page and the cursors around it, before the total is added."""

    items: list[ProductRecord]
    offset: int = 0
    after: str | None = None
    before: str | None = None
    next_after: str | None = None
    prev_before: str | None = None


def _filters(
    q: str | None, sku: str | None, sync_enabled: bool | None
) -> tuple[list[str], list[Any]]:
    """SQL conditions over `product p` (with `{}` slots) and their arguments."""
    conditions: list[str] = []
    args: list[Any] = []
    if q:
        pattern = f"%{escape_like(q.strip())}%"
        conditions.append("(p.name ILIKE {} OR p.sku ILIKE {} OR p.ean LIKE {})")
        args += [pattern, pattern, pattern]
    if sku:
        conditions.append("p.sku = {}")
        args.append(sku)
    if sync_enabled is not None:
        conditions.append("p.is_sync_enabled = {}")
        args.append(sync_enabled)
    return conditions, args


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)} " if conditions else ""


def _check_position(offset: int, after: str | None, before: str | None) -> None:
    """At most one of `offset` (other than 0), `after` and `before`."""
    if after is not None and before is not None:
        raise InvalidRequestError("give `after` or `before`, not both", field="before")
    if offset and (after is not None or before is not None):
        raise InvalidRequestError(
            "`offset` cannot be combined with a cursor (`after` or `before`)", field="offset"
        )


def page_sql(conditions: list[str], *, descending: bool = False) -> str:
    """The SQL of a page: matching SKUs picked in order, then only those joined to their stock.

    Its arguments are those of `conditions`, then the limit and the offset.
    """
    order = "DESC" if descending else "ASC"
    return (
        COLUMNS
        + f"FROM (SELECT p.sku FROM product p {_where(conditions)}"
        + f"ORDER BY p.sku {order} LIMIT {{}} OFFSET {{}}) page "
        + "JOIN product p ON p.sku = page.sku "
        + STOCK_TOTALS
        + f"ORDER BY p.sku {order}"
    )


async def _rows(
    conditions: list[str], args: list[Any], *, descending: bool, limit: int, offset: int = 0
) -> list[ProductRecord]:
    """Up to `limit` matching products with their stock totals, in SKU order (or reversed)."""
    rows = await fetch(page_sql(conditions, descending=descending), *args, limit, offset)
    return [to_record(row) for row in rows]


async def _forwards(
    conditions: list[str], args: list[Any], *, limit: int, offset: int, after: str | None
) -> _Window:
    """The page at `offset`, or just after the SKU `after`; one row more tells if there is more."""
    if after is not None:
        conditions, args = [*conditions, "p.sku > {}"], [*args, after]
    rows = await _rows(conditions, args, descending=False, limit=limit + 1, offset=offset)
    items = rows[:limit]
    started_later = after is not None or offset > 0
    return _Window(
        items=items,
        offset=offset,
        after=after,
        next_after=items[-1].sku if len(rows) > limit else None,
        prev_before=items[0].sku if items and started_later else None,
    )


async def _backwards(conditions: list[str], args: list[Any], *, limit: int, before: str) -> _Window:
    """The page ending just before the SKU `before`, or the first page if it would be short."""
    rows = await _rows(
        [*conditions, "p.sku < {}"], [*args, before], descending=True, limit=limit + 1
    )
    if len(rows) <= limit:
        return await _forwards(conditions, args, limit=limit, offset=0, after=None)
    items = rows[:limit][::-1]
    return _Window(items=items, before=before, next_after=items[-1].sku, prev_before=items[0].sku)


async def list_products(
    *,
    q: str | None = None,
    sku: str | None = None,
    sync_enabled: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    after: str | None = None,
    before: str | None = None,
) -> ProductPage:
    """Search by text in name/SKU/EAN, exact SKU and sync flag; ordered by SKU.

    `offset`, `after` and `before` place the page (module docstring); giving more than one is an
    `InvalidRequestError` naming the second. The filters combine with each other and with any of
    them; `total` counts every match, wherever the page is.
    """
    _check_position(offset, after, before)
    conditions, args = _filters(q, sku, sync_enabled)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if before is not None:
        window = await _backwards(conditions, args, limit=limit, before=before)
    else:
        window = await _forwards(conditions, args, limit=limit, offset=max(0, offset), after=after)
    total = await count_matches(_where(conditions), args)
    return ProductPage(
        items=window.items,
        total=total.value,
        total_is_estimate=total.estimated,
        total_is_capped=total.capped,
        limit=limit,
        offset=window.offset,
        after=window.after,
        before=window.before,
        next_after=window.next_after,
        prev_before=window.prev_before,
    )
