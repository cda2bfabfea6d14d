"""Query results the sandbox keeps between pages, so large catalogues page in constant time.

A query's matches (in sort order) are kept until anything in the sandbox changes (`state.version`),
or, when it filters and sorts only on fields fixed at seeding (ids, `numericId`, creation dates),
until the sites are rebuilt (`state.structure_version`). A filter on ids the endpoint indexes is
matched over the indexed entries alone, so it costs the size of its id list. Only references are
kept, never rendered JSON: a page renders just its own items. A condition `field > x` (or `>=`) on
the first, ascending sort field is served by binary search over the matches of the rest of the
filter, so a V1 `numericId` crawl costs one full pass, not one a page.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from server.sandboxes.wix.query import (
    Doc,
    SortKey,
    filter_fields,
    matches,
    sort_value,
)
from server.sandboxes.wix.state import structure_version, version

Entry = tuple[Any, Doc]
"""(a reference the caller renders later, the document its filter sees)."""
Source = Callable[[], Iterable[Entry]]
Lookup = Callable[[str, list[str]], list[Entry] | None]
"""Entries whose `field` equals one of the values, in source order; None: field not indexed."""


@dataclass(frozen=True)
class Indexed:
    """What an endpoint answers without rendering its whole catalogue."""

    lookup: Lookup
    """Entries by id (see `Lookup`)."""
    light: Source
    """Every entry with a document holding only the stable fields (same values as rendered)."""


MAX_RESULTS = 16
_RESULTS: OrderedDict[Hashable, tuple[int, list[Any], list[tuple[int, Any]]]] = OrderedDict()
_RANGE_OPS = ("$gt", "$gte")


def _split_range(filter_: Doc, sort: Sequence[SortKey]) -> tuple[tuple[str, Any] | None, Doc]:
    """A `$gt`/`$gte` bound on the first ascending sort field, and the rest of the filter."""
    if not sort or sort[0][1]:
        return None, filter_
    path = sort[0][0]

    def bound(part: Any) -> tuple[str, Any] | None:
        if isinstance(part, dict) and len(part) == 1 and path in part:
            condition = part[path]
            if isinstance(condition, dict) and len(condition) == 1:
                op, value = next(iter(condition.items()))
                if op in _RANGE_OPS:
                    return op, value
        return None

    if (found := bound(filter_)) is not None:
        return found, {}
    parts = filter_.get("$and")
    if len(filter_) == 1 and isinstance(parts, list):
        for index, part in enumerate(parts):
            if (found := bound(part)) is not None:
                rest = parts[:index] + parts[index + 1 :]
                return found, ({"$and": rest} if len(rest) > 1 else (rest[0] if rest else {}))
    return None, filter_


def select(
    key: Hashable,
    source: Source,
    filter_: Doc,
    sort: Sequence[SortKey],
    *,
    stable: frozenset[str] = frozenset(),
    indexed: Indexed | None = None,
) -> list[Any]:
    """References of the entries matching `filter_`, in `sort` order (cached per `key`).

    A filter naming ids that `indexed.lookup` resolves is matched over those entries only
    (uncached); results filtered and sorted on `stable` fields alone are computed over
    `indexed.light` documents and stay cached across stock changes.
    """
    limit, rest = _split_range(filter_, sort)
    narrowed = _narrowed(rest, indexed.lookup) if indexed else None
    if narrowed is not None:
        refs, first = _ordered(narrowed, rest, sort)
    else:
        fields = filter_fields(rest) | {path for path, _ in sort}
        light = indexed.light if indexed and fields <= stable else None
        refs, first = _cached(key, light or source, rest, sort, light is not None)
    if limit is None:
        return refs
    op, value = limit
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    probe = sort_value({"v": value}, "v")
    cut = bisect.bisect_right if op == "$gt" else bisect.bisect_left
    return refs[cut(first, probe) :]


def _ordered(
    entries: Iterable[Entry], rest: Doc, sort: Sequence[SortKey]
) -> tuple[list[Any], list[tuple[int, Any]]]:
    """The matching references in sort order and their first sort values.

    The same stable multi-key sort as `sort_docs` (last key first), each key computed once.
    """
    kept = [(ref, doc) for ref, doc in entries if matches(doc, rest)]
    order = list(range(len(kept)))
    values: list[list[tuple[int, Any]]] = []
    for path, descending in reversed(sort):
        values.insert(0, [sort_value(doc, path) for _, doc in kept])
        order.sort(key=values[0].__getitem__, reverse=descending)
    first = [values[0][i] for i in order] if sort else []
    return [kept[i][0] for i in order], first


def _cached(
    key: Hashable, source: Source, rest: Doc, sort: Sequence[SortKey], stable: bool
) -> tuple[list[Any], list[tuple[int, Any]]]:
    """`_ordered` over the whole source, kept until a change could alter it."""
    current = structure_version() if stable else version()
    cache_key = (key, stable, msgspec.json.encode(rest), tuple(sort))
    cached = _RESULTS.get(cache_key)
    if cached is None or cached[0] != current:
        cached = (current, *_ordered(source(), rest, sort))
        _RESULTS[cache_key] = cached
        _RESULTS.move_to_end(cache_key)
        while len(_RESULTS) > MAX_RESULTS:
            _RESULTS.popitem(last=False)
    return cached[1], cached[2]


def _narrowed(rest: Doc, lookup: Lookup) -> list[Entry] | None:
    """The entries an indexed id condition of the filter (or of its top `$and`) allows."""
    parts = rest["$and"] if len(rest) == 1 and isinstance(rest.get("$and"), list) else [rest]
    for part in parts:
        for field, condition in part.items() if isinstance(part, dict) else ():
            values = _exact_strings(condition)
            found = lookup(field, values) if values is not None else None
            if found is not None:
                return found
    return None


def _exact_strings(condition: Any) -> list[str] | None:
    """The strings an `$eq` / `$in` / `$hasSome` condition (or a bare string) accepts."""
    if isinstance(condition, str):
        return [condition]
    if not isinstance(condition, dict) or len(condition) != 1:
        return None
    op, operand = next(iter(condition.items()))
    if op == "$eq" and isinstance(operand, str):
        return [operand]
    if op in ("$in", "$hasSome") and isinstance(operand, list):
        return operand if all(isinstance(o, str) for o in operand) else None
    return None


def rendered(refs: Iterable[Any], render: Callable[[Any], Doc]) -> list[Doc]:
    """The JSON of a page's references."""
    return [render(ref) for ref in refs]
