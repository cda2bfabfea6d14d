"""Sliding rate-limit windows with a time scale, rate rules, and per-endpoint request counters."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class RequestInfo:
    """What a rate rule may look at: method, path and lower-cased headers."""

    method: str
    path: str
    headers: dict[str, str]


class RateWindow:
    """A sliding-window limit of `limit` units per `period_s / time_scale` seconds per key.

    A request uses `cost` units (1 by default; Allegro counts command budgets per offer). With
    `block_s`, going over the limit blocks the key for `block_s / time_scale` seconds (Allegro
    blocks a Client ID for a minute); `extend_block` restarts the block on every refused call.
    Refused requests use no budget unless `count_refused` (then hammering keeps a key throttled).
    """

    def __init__(
        self,
        limit: int,
        period_s: float = 60.0,
        *,
        time_scale: float = 1.0,
        block_s: float = 0.0,
        extend_block: bool = False,
        count_refused: bool = False,
        clock: Clock = time.monotonic,
    ) -> None:
        """Create the window; `time_scale` 10 runs time ten times faster (a minute lasts 6 s)."""
        if limit < 1 or period_s <= 0 or time_scale < 1:
            raise ValueError("limit and period_s must be positive and time_scale at least 1")
        self.limit = limit
        self.window_s = period_s / time_scale
        self.block_window_s = block_s / time_scale
        self.extend_block = extend_block
        self.count_refused = count_refused
        self._clock = clock
        self._hits: dict[str, deque[tuple[float, int]]] = {}
        self._used: dict[str, int] = {}
        self._blocked_until: dict[str, float] = {}

    def acquire(self, key: str, cost: int = 1) -> float | None:
        """Use `cost` units of `key`'s budget: None when allowed, else seconds until allowed."""
        now = self._clock()
        blocked = self._blocked_until.get(key, 0.0)
        if now < blocked:
            if self.extend_block:
                self._blocked_until[key] = now + self.block_window_s
            return self._blocked_until[key] - now
        hits = self._hits.setdefault(key, deque())
        used = self._used.get(key, 0)
        while hits and hits[0][0] <= now - self.window_s:
            used -= hits.popleft()[1]
        allowed = used + cost <= self.limit
        if allowed or self.count_refused:
            hits.append((now, cost))
            used += cost
        self._used[key] = used
        if allowed:
            return None
        if self.block_window_s > 0:
            self._blocked_until[key] = now + self.block_window_s
            return self.block_window_s
        return self._until_fits(hits, used, cost, now)

    def _until_fits(
        self, hits: deque[tuple[float, int]], used: int, cost: int, now: float
    ) -> float:
        """Seconds until enough old hits leave the window for `cost` more units."""
        for stamp, units in hits:
            used -= units
            if used + cost <= self.limit:
                return max(stamp + self.window_s - now, 0.0)
        return self.window_s

    def remaining(self, key: str) -> int:
        """Units `key` may still use in the current window (ignoring blocks)."""
        now = self._clock()
        live = sum(units for stamp, units in self._hits.get(key, ()) if stamp > now - self.window_s)
        return max(self.limit - live, 0)

    def reset(self) -> None:
        """Forget every key's history and block."""
        self._hits.clear()
        self._used.clear()
        self._blocked_until.clear()


@dataclass(frozen=True)
class RateRule:
    """A window applied to requests for which `key` returns a key (None: rule does not apply)."""

    name: str
    window: RateWindow
    key: Callable[[RequestInfo], str | None]


class RequestCounters:
    """Requests per endpoint (`METHOD /path/{template}`), their statuses, and arrivals per key."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        """Start empty; `clock` stamps arrivals for peak-rate measurement."""
        self._clock = clock
        self.endpoints: Counter[str] = Counter()
        self.statuses: dict[str, Counter[int]] = {}
        self.arrivals: dict[str, list[float]] = {}

    def record(self, endpoint: str, key: str | None) -> None:
        """Count one arriving request (and stamp it under its rate key, if any)."""
        self.endpoints[endpoint] += 1
        if key is not None:
            self.arrivals.setdefault(key, []).append(self._clock())

    def record_status(self, endpoint: str, status: int) -> None:
        """Count the status a request was answered with."""
        self.statuses.setdefault(endpoint, Counter())[status] += 1

    def count(self, endpoint: str, status: int | None = None) -> int:
        """Requests to `endpoint` (answered with `status`, when given)."""
        if status is None:
            return self.endpoints[endpoint]
        return self.statuses.get(endpoint, Counter())[status]

    def peak(self, key: str, window_s: float) -> int:
        """Most requests of `key` that arrived within any `window_s`-long window."""
        stamps, best, start = self.arrivals.get(key, []), 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        return best

    def snapshot(self) -> dict[str, object]:
        """A JSON-able view: totals per endpoint, statuses per endpoint, arrivals per key."""
        return {
            "total": sum(self.endpoints.values()),
            "endpoints": dict(self.endpoints),
            "statuses": {ep: {str(s): n for s, n in c.items()} for ep, c in self.statuses.items()},
            "keys": {key: len(stamps) for key, stamps in self.arrivals.items()},
        }

    def reset(self) -> None:
        """Zero every counter."""
        self.endpoints.clear()
        self.statuses.clear()
        self.arrivals.clear()
