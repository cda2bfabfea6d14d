"""Keyset paging helpers shared by the sync record queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_PAGE_SIZE = 500


def page_size(limit: int) -> int:
    """A page size between 1 and MAX_PAGE_SIZE."""
    return max(1, min(limit, MAX_PAGE_SIZE))


def where_clause(*pairs: tuple[str, Any], fixed: Sequence[str] = ()) -> tuple[str, list[Any]]:
    """A WHERE clause of the `fixed` conditions and those whose value is not None, and values."""
    used = [(sql, value) for sql, value in pairs if value is not None]
    conditions = [*fixed, *(sql for sql, _ in used)]
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    return where, [value for _, value in used]
