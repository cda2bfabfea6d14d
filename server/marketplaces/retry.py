"""When and how long to wait before repeating a marketplace request.

`RetryPolicy` answers three questions for the HTTP layer: may this request be repeated at all
(safe methods, or a request the caller marks idempotent), is this outcome worth repeating (429,
500/502/503/504, transport errors), and how long to wait (the marketplace's `Retry-After`, capped,
else exponential backoff with full jitter). Sleeping and randomness are injectable so tests record
delays instead of waiting.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.settings import Settings

SleepFunction = Callable[[float], Awaitable[None]]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses a later identical request may turn into a success."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods that are idempotent by HTTP's definition; others repeat only when marked idempotent."""


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP date.

    Args:
        value: The header's value, or None when the header is absent.
        now: The current time for HTTP dates (defaults to the system clock, UTC).

    Returns:
        The wait in seconds (never negative), or None when absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _seconds_until_http_date(text: str, now: datetime | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How many attempts a request gets and how long to wait between them.

    Attributes:
        attempts: Total tries, the first included (1 means never retry).
        base_delay_s: Backoff base: attempt n waits uniform(0, base * 2**(n-1)), capped.
        max_delay_s: Cap of the exponential backoff.
        max_retry_after_s: Cap on a `Retry-After` (a huge value must not park a worker).
        rate_limited_min_delay_s: Least wait after a 429 that names no `Retry-After`.
        statuses: HTTP statuses worth another attempt.
        safe_methods: Methods repeated without the caller's say-so.
        sleep: Awaited with the delay; tests inject a recorder.
        jitter: Returns a float in [0, 1); the jitter source.
    """

    attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0
    rate_limited_min_delay_s: float = 0.0
    statuses: frozenset[int] = RETRYABLE_STATUSES
    safe_methods: frozenset[str] = SAFE_METHODS
    sleep: SleepFunction = field(default=asyncio.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.max_retry_after_s < 0:
            raise ValueError("delays must not be negative")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The default policy with `SYNC_RETRY_ATTEMPTS` attempts (tune: `dataclasses.replace`)."""
        return cls(attempts=settings.sync_retry_attempts)

    def may_repeat(self, method: str, idempotent: bool | None) -> bool:
        """Whether the request may be sent twice: the caller's word, else the method's nature."""
        if idempotent is not None:
            return idempotent
        return method.upper() in self.safe_methods

    def is_retryable_status(self, status: int) -> bool:
        """Whether a response with this status is worth another attempt."""
        return status in self.statuses

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff after failed attempt `attempt` (1-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** max(0, attempt - 1))
        return ceiling * self.jitter()

    def delay(self, attempt: int, *, retry_after: float | None, status: int | None) -> float:
        """Seconds to wait after failed attempt `attempt`.

        A `Retry-After` wins (capped by `max_retry_after_s`); otherwise full-jitter backoff,
        raised to `rate_limited_min_delay_s` after a 429.
        """
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_s)
        wait = self.backoff(attempt)
        if status == 429:
            wait = max(wait, self.rate_limited_min_delay_s)
        return wait
