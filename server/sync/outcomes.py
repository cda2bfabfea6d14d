"""Result structs shared by the push layer, and the request meter that feeds `sync_run.requests`.

A push returns one `PushOutcome` per listing it was given (COMPLETED: the marketplace now shows
`new_quantity`, confirmed; FAILED: it does not, `error` says why in the marketplace's words;
SKIPPED: nothing was attempted) and the requests the push cost, read from the account's
`RequestStats` (`requests`: calls made; `attempts`: what went on the wire, retries included).
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

import msgspec

from server.marketplaces.http import RequestStats

PushStatus = Literal["COMPLETED", "FAILED", "SKIPPED"]


class PushOutcome(msgspec.Struct, kw_only=True, frozen=True):
    """What one listing's push did.

    Attributes:
        listing_id: The listing the outcome belongs to.
        status: COMPLETED (marketplace confirmed `new_quantity`), FAILED or SKIPPED.
        new_quantity: The quantity the marketplace shows now (None when unknown).
        marketplace_quantity_before: What it showed before the push (None when unknown).
        error: The marketplace's message (or ours) for FAILED and SKIPPED.
    """

    listing_id: int
    status: PushStatus
    new_quantity: int | None = None
    marketplace_quantity_before: int | None = None
    error: str | None = None


class BatchResult(msgspec.Struct, kw_only=True):
    """Every listing's outcome (input order) and what the push cost in requests."""

    outcomes: list[PushOutcome] = msgspec.field(default_factory=list)
    requests: int = 0
    attempts: int = 0
    by_route: dict[str, int] = msgspec.field(default_factory=dict)

    @property
    def completed(self) -> list[PushOutcome]:
        """The outcomes whose push was confirmed."""
        return [o for o in self.outcomes if o.status == "COMPLETED"]

    @property
    def failed(self) -> list[PushOutcome]:
        """The outcomes that failed."""
        return [o for o in self.outcomes if o.status == "FAILED"]


class RequestMeter:
    """Counts the requests made through one `RequestStats` from creation to `charge`.

    The stats belong to the account's `MarketplaceHttp`; pushes running at the same time on the
    same client instance are counted together, so give each concurrent push its own client.
    """

    def __init__(self, stats: RequestStats) -> None:
        """Remember where the counters stand now."""
        self.stats = stats
        self.requests = stats.requests
        self.attempts = stats.attempts
        self.routes = Counter(stats.by_route)

    def charge(self, result: BatchResult) -> BatchResult:
        """Write the requests made since creation into `result` and return it."""
        result.requests = self.stats.requests - self.requests
        result.attempts = self.stats.attempts - self.attempts
        grown = Counter(self.stats.by_route)
        grown.subtract(self.routes)
        result.by_route = {f"{m} {r}": n for (m, r), n in sorted(grown.items()) if n > 0}
        return result
