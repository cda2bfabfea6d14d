"""Paging as Wix does it: V1 offset pages and platform cursor (or offset) pages.

V1 (`{"query": {"filter": "<json>", "sort": "<json>", "paging": {"limit", "offset"}}}`) answers
`metadata {items: <limit>, offset}` and `totalResults` [DOC-EX]. Platform queries take
`cursorPaging {limit, cursor}` (or `paging {limit, offset}`) and answer `pagingMetadata` /
`metadata` `{count, cursors {next, prev}, hasNext}`; a cursor replaces filter and sort.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from server.sandboxes.wix.config import WixContractOptions
from server.sandboxes.wix.errors import WixSandboxError, invalid
from server.sandboxes.wix.query import (
    Doc,
    SortKey,
    check_filter,
    decode_cursor,
    encode_cursor,
    json_string,
    parse_sort,
)
from server.sandboxes.wix.results import Indexed, Source, rendered, select

Render = Callable[[Any], Doc]
"""Renders one result reference as the JSON the endpoint answers."""


@dataclass(frozen=True)
class QuerySpec:
    """What one query endpoint accepts."""

    kind: str
    filter_fields: frozenset[str]
    sort_fields: frozenset[str]
    default_sort: tuple[SortKey, ...]
    max_limit: int
    default_limit: int = 100
    has_next: bool = True
    stable_fields: frozenset[str] = frozenset()
    """Fields whose values are fixed when a site is seeded (results on them survive writes)."""


def v1_page(
    source: Source,
    render: Render,
    key: Hashable,
    query: Doc,
    spec: QuerySpec,
    options: WixContractOptions,
    indexed: Indexed | None = None,
) -> tuple[list[Doc], Doc]:
    """One V1 page of the `source` entries (results cached under `key`) and its metadata."""
    filter_ = check_filter(
        json_string(query.get("filter"), "query.filter"),
        spec.filter_fields,
        options.strict_filter_fields,
        "query.filter",
    )
    sort = parse_sort(
        json_string(query.get("sort"), "query.sort"),
        spec.sort_fields,
        options.strict_filter_fields,
        "query.sort",
    )
    paging = query.get("paging") or {}
    maximum = spec.max_limit if options.v1_reject_limit_over_max else 10**9
    limit = min(
        limit_of(paging.get("limit"), spec.default_limit, maximum, "query.paging.limit"),
        spec.max_limit,
    )
    offset = limit_of(paging.get("offset"), 0, 10**9, "query.paging.offset")
    if options.v1_offset_ceiling and offset + limit > options.v1_offset_ceiling:
        raise invalid(
            "query.paging.offset",
            f"offset + limit may not exceed {options.v1_offset_ceiling}; crawl by numericId",
            "OUT_OF_RANGE",
        )
    found = select(
        (spec.kind, key),
        source,
        filter_,
        sort or spec.default_sort,
        stable=spec.stable_fields,
        indexed=indexed,
    )
    metadata = {"items": limit, "offset": offset}
    page = rendered(found[offset : offset + limit], render)
    return page, {"metadata": metadata, "totalResults": len(found)}


def platform_page(
    source: Source,
    render: Render,
    key: Hashable,
    query: Doc,
    spec: QuerySpec,
    options: WixContractOptions,
    indexed: Indexed | None = None,
) -> tuple[list[Doc], Doc]:
    """One platform page and its paging metadata (`count`, `cursors`, `hasNext`)."""
    cursor_paging = query.get("cursorPaging") or {}
    offset_paging = query.get("paging")
    field = "paging.limit" if offset_paging is not None else "cursorPaging.limit"
    limit = limit_of(
        (offset_paging or cursor_paging).get("limit"), spec.default_limit, spec.max_limit, field
    )
    cursor = cursor_paging.get("cursor")
    if cursor:
        if options.reject_filter_with_cursor and (query.get("filter") or query.get("sort")):
            raise invalid("cursorPaging.cursor", "filter and sort may not be sent with a cursor")
        state = decode_cursor(str(cursor), spec.kind)
        filter_, sort, offset = state["f"], [tuple(k) for k in state["s"]], int(state["o"])
    else:
        filter_ = check_filter(
            query.get("filter"), spec.filter_fields, options.strict_filter_fields, "filter"
        )
        sort = parse_sort(query.get("sort"), spec.sort_fields, options.strict_filter_fields, "sort")
        offset = limit_of((offset_paging or {}).get("offset"), 0, 10**9, "paging.offset")
    found = select(
        (spec.kind, key),
        source,
        filter_,
        sort or spec.default_sort,
        stable=spec.stable_fields,
        indexed=indexed,
    )
    page = rendered(found[offset : offset + limit], render)
    end = offset + len(page)
    metadata: Doc = (
        {"count": len(page), "offset": offset}
        if offset_paging is not None
        else {"count": len(page)}
    )
    has_next = end < len(found)
    if offset_paging is not None:
        metadata["total"] = len(found)
    else:
        metadata["cursors"] = _cursors(spec.kind, filter_, sort, offset, end, limit, has_next)
    if spec.has_next:
        metadata["hasNext"] = has_next
    return page, metadata


def _cursors(
    kind: str, filter_: Any, sort: list[Any], offset: int, end: int, limit: int, has_next: bool
) -> Doc:
    def make(position: int) -> str:
        return encode_cursor({"k": kind, "f": filter_, "s": [list(k) for k in sort], "o": position})

    return {
        "next": make(end) if has_next else None,
        "prev": make(max(offset - limit, 0)) if offset > 0 else None,
    }


def limit_of(value: Any, default: int, maximum: int, field: str) -> int:
    """A page size: default when absent, 400 when out of 0..maximum (strings accepted)."""
    if value is None:
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise invalid(field, f"{field} must be an integer") from None
    if limit < 0 or limit > maximum:
        message = f"{field} must be between 0 and {maximum}"
        raise WixSandboxError(
            400,
            message,
            violations=[
                {
                    "field": field,
                    "description": message,
                    "violatedRule": "MAX",
                    "data": {"threshold": maximum},
                }
            ],
        )
    return limit
