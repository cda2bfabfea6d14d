"""Machinery every marketplace sandbox shares: faults, rate-limit windows, counters, admin routes.

A sandbox app builds one `SandboxControl` (with its own `ErrorRenderer` for the marketplace's error
shape and its `RateRule`s), installs `sandbox_middleware(control)` and mounts
`sandbox_admin_router(control)`. For every API request (admin paths are exempt) the middleware
counts it per endpoint and per rate key, adds latency, applies the rate rules (429), then an
injected fault (scripted first, else drawn with the seeded RNG) and finally calls the app. Faults:
`429` and `5xx` (rendered by the sandbox), `timeout` (sleep past the client's timeout, then carry
on) and `drop` (start a response, then abort the connection).

`time_scale` runs time faster for benchmarks: `RateWindow(200, 60, time_scale=10)` allows 200
requests per 6 s, keeping the ratio of budget to window. The client limiters in
`server.marketplaces.ratelimit` read it the same way, so a benchmark sets one value for both.
`SandboxTransport` runs a sandbox in-process for httpx and makes timeouts and dropped connections
look like socket failures.
"""

from server.sandboxes.common.admin import sandbox_admin_router
from server.sandboxes.common.control import (
    DROPPED,
    DroppedConnection,
    SandboxControl,
    SandboxMiddleware,
    Sleep,
    sandbox_middleware,
    send_reply,
)
from server.sandboxes.common.faults import (
    ErrorKind,
    ErrorRenderer,
    ErrorReply,
    FaultKind,
    FaultScript,
    FaultSettings,
)
from server.sandboxes.common.rates import (
    Clock,
    RateRule,
    RateWindow,
    RequestCounters,
    RequestInfo,
)
from server.sandboxes.common.transport import SandboxTransport

FaultConfig = FaultSettings
"""Alias of `FaultSettings` (the name the Allegro sandbox config uses)."""

__all__ = [
    "DROPPED",
    "Clock",
    "DroppedConnection",
    "ErrorKind",
    "ErrorRenderer",
    "ErrorReply",
    "FaultConfig",
    "FaultKind",
    "FaultScript",
    "FaultSettings",
    "RateRule",
    "RateWindow",
    "RequestCounters",
    "RequestInfo",
    "SandboxControl",
    "SandboxMiddleware",
    "SandboxTransport",
    "Sleep",
    "sandbox_admin_router",
    "sandbox_middleware",
    "send_reply",
]
