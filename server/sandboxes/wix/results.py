"""Query results the sandbox keeps between pages, so large catalogues page in constant time.

A query's matches (in sort order) are kept until anything in the sandbox changes (`state.version`).
Only references are kept, never rendered JSON: a page renders just its own items. A condition
`field > x` (or `>=`) on the first, ascending sort field is served by binary search over the
matches of the rest of the filter, so a V1 `numericId` crawl costs one full pass, not one a page.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import msgspec

from server.sandboxes.wix.query import Doc, SortKey, matches, sort_docs, sort_value
from server.sandboxes.wix.state import version

Entry = tuple[Any, Doc]
"""(a reference the caller renders later, the document its filter sees)."""
Source = Callable[[], Iterable[Entry]]

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


def select(key: Hashable, source: Source, filter_: Doc, sort: Sequence[SortKey]) -> list[Any]:
    """References of the entries matching `filter_`, in `sort` order (cached per `key`)."""
    limit, rest = _split_range(filter_, sort)
    cache_key = (key, msgspec.json.encode(rest), tuple(sort))
    cached = _RESULTS.get(cache_key)
    if cached is None or cached[0] != version():
        entries = [(ref, doc) for ref, doc in source() if matches(doc, rest)]
        ordered = sort_docs([{"_ref": i, **doc} for i, (_, doc) in enumerate(entries)], sort)
        refs = [entries[d["_ref"]][0] for d in ordered]
        first = [sort_value(d, sort[0][0]) for d in ordered] if sort else []
        cached = (version(), refs, first)
        _RESULTS[cache_key] = cached
        _RESULTS.move_to_end(cache_key)
        while len(_RESULTS) > MAX_RESULTS:
            _RESULTS.popitem(last=False)
    _, refs, first = cached
    if limit is None:
        return refs
    op, value = limit
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    probe = sort_value({"v": value}, "v")
    cut = bisect.bisect_right if op == "$gt" else bisect.bisect_left
    return refs[cut(first, probe) :]


def rendered(refs: Iterable[Any], render: Callable[[Any], Doc]) -> list[Doc]:
    """The JSON of a page's references."""
    return [render(ref) for ref in refs]
