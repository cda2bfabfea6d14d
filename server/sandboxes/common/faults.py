"""Fault-injection settings and the error replies a sandbox renders in its marketplace's shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

import msgspec

Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
FaultKind = Literal["429", "5xx", "timeout", "drop"]
"""Injected faults: a 429, a 5xx, a sleep past the client timeout, an aborted connection."""
ErrorKind = Literal["rate_limited", "injected_429", "injected_5xx"]
"""Why the middleware answers with an error: a real window ran out, or a fault was injected."""


class FaultSettings(msgspec.Struct, kw_only=True):
    """Fault-injection knobs; shares are probabilities per API request and must sum to <= 1.

    `retry_after_s` is the Retry-After an injected 429 announces (None: no header, the sandbox's
    renderer decides); `path_prefixes` limits random faults to matching paths (empty: all).
    """

    latency_s: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    latency_jitter_s: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    share_429: Share = 0.0
    share_5xx: Share = 0.0
    share_timeout: Share = 0.0
    share_drop: Share = 0.0
    statuses_5xx: list[int] = msgspec.field(default_factory=lambda: [500, 503])
    timeout_sleep_s: Annotated[float, msgspec.Meta(ge=0)] = 35.0
    retry_after_s: float | None = None
    seed: int | None = None
    path_prefixes: list[str] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        """Reject shares that cannot all happen."""
        total = self.share_429 + self.share_5xx + self.share_timeout + self.share_drop
        if total > 1.0:
            raise ValueError(f"fault shares add up to {total:.3f}, more than 1")


class FaultScript(msgspec.Struct):
    """Faults to inject, in order, into the next API requests (before any random draw)."""

    faults: list[FaultKind]


class ErrorReply(msgspec.Struct, kw_only=True):
    """An error response a sandbox renders in its marketplace's own shape."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = msgspec.field(default_factory=dict)


ErrorRenderer = Callable[[ErrorKind, int, "float | None"], ErrorReply]
"""(what happened, HTTP status, seconds until allowed again or None) -> the response to send."""
