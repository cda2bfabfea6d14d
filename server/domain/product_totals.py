"""How many products a product search matches, without counting the whole catalogue every page.

The rules, chosen so that small catalogues always get an exact number and a large one never pays
for a full count on every page:

- **Filtered search** (text, SKU or sync flag): an exact count of the matches, but it stops at
  `COUNT_CAP` + 1 rows. Up to `COUNT_CAP` matches the total is exact; beyond it the total is
  `COUNT_CAP` and `capped` says that *more* match ("more than 10,000").
- **Unfiltered list**: an exact `count(*)` of the catalogue. When it is larger than
  `COUNT_CAP`, this process keeps it for `CACHE_SECONDS` and answers the next pages from it,
  marked `estimated`; while one request recounts an expired figure, the others keep answering
  the old one, so a burst of requests never starts a burst of full counts. Up to `COUNT_CAP`
  products nothing is kept and every page counts (a count of so few rows is cheap).

Why a short-lived count and not `pg_class.reltuples`: the statistics estimate is only as fresh as
the last ANALYZE, is -1 before the first, and autovacuum may be switched off (it is on the shared
CI database); a count at most `CACHE_SECONDS` old is never further off than the products created
or deleted in that time. The figure is per process (nothing another process needs).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from server.domain.db import fetch_one

COUNT_CAP = 10_000
"""Up to this many matches a total is exact; a filtered count stops just past it."""
CACHE_SECONDS = 30.0
"""How long a large catalogue's count is reused for unfiltered pages."""


@dataclass(frozen=True)
class Total:
    """A number of matching products and how far to trust it."""

    value: int
    estimated: bool = False
    """Counted exactly, but up to `CACHE_SECONDS` ago: products made since are missing."""
    capped: bool = False
    """The count stopped at `value`: more products than that match."""


@dataclass
class _CatalogueCount:
    """The last full count of a large catalogue in this process."""

    value: int | None = None
    counted_at: float = -math.inf
    recounting: bool = False


_catalogue = _CatalogueCount()


def forget_catalogue_count() -> None:
    """Drop the kept count, so the next unfiltered page counts again (tests start clean)."""
    global _catalogue
    _catalogue = _CatalogueCount()


async def count_matches(where: str, args: list[Any]) -> Total:
    """The total for a search with this WHERE clause (`""` for none) over `product p`."""
    if not where:
        return await _count_catalogue()
    row = await fetch_one(
        f"SELECT count(*) AS n FROM (SELECT 1 FROM product p {where}LIMIT {{}}) m",
        *args,
        COUNT_CAP + 1,
    )
    found = int(row["n"]) if row else 0
    if found > COUNT_CAP:
        return Total(COUNT_CAP, capped=True)
    return Total(found)


async def _count_catalogue() -> Total:
    kept = _catalogue
    if kept.value is not None:
        fresh = time.monotonic() - kept.counted_at < CACHE_SECONDS
        if fresh or kept.recounting:
            return Total(kept.value, estimated=True)
        kept.recounting = True
    try:
        row = await fetch_one("SELECT count(*) AS n FROM product")
    finally:
        kept.recounting = False
    counted = int(row["n"]) if row else 0
    if counted > COUNT_CAP:
        kept.value, kept.counted_at = counted, time.monotonic()
    else:
        kept.value = None
    return Total(counted)
