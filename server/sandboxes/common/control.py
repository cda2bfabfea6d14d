"""The runtime control of one sandbox app and the middleware that applies it to API requests."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.sandboxes.common.faults import ErrorRenderer, ErrorReply, FaultKind, FaultSettings
from server.sandboxes.common.rates import RateRule, RequestCounters, RequestInfo

Sleep = Callable[[float], Awaitable[None]]
DROPPED = 0
"""The status counted for a request whose connection the sandbox dropped."""


@dataclass
class SandboxControl:
    """Runtime knobs and observations of one sandbox app, shared by middleware and admin API.

    `sleep` serves injected latency (tests may pass a fake); a `timeout` fault always sleeps in
    real time, because the client's timeout it must outlast is measured in real time.
    """

    render_error: ErrorRenderer
    faults: FaultSettings = field(default_factory=FaultSettings)
    rules: Sequence[RateRule] = ()
    counters: RequestCounters = field(default_factory=RequestCounters)
    sleep: Sleep = asyncio.sleep
    admin_prefix: str = "/_sandbox"
    scripted: deque[FaultKind] = field(default_factory=deque)
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        """Seed the RNG from the initial fault settings."""
        self.rng = random.Random(self.faults.seed)

    def set_faults(self, faults: FaultSettings) -> None:
        """Replace the fault settings and reseed the RNG from them."""
        self.faults = faults
        self.rng = random.Random(faults.seed)

    def script(self, *faults: FaultKind) -> None:
        """Inject these faults, in order, into the next API requests."""
        self.scripted.extend(faults)

    def next_fault(self, path: str) -> FaultKind | None:
        """The fault for this request: the next scripted one, else a draw against the shares."""
        if self.scripted:
            return self.scripted.popleft()
        f = self.faults
        if f.path_prefixes and not any(path.startswith(p) for p in f.path_prefixes):
            return None
        draw, edge = self.rng.random(), 0.0
        shares: tuple[tuple[FaultKind, float], ...] = (
            ("drop", f.share_drop),
            ("timeout", f.share_timeout),
            ("5xx", f.share_5xx),
            ("429", f.share_429),
        )
        for kind, share in shares:
            edge += share
            if draw < edge:
                return kind
        return None

    def reset(self) -> None:
        """Zero counters, clear scripted faults and every rate window (fault settings stay)."""
        self.counters.reset()
        self.scripted.clear()
        for rule in self.rules:
            rule.window.reset()


class DroppedConnection(Exception):
    """Raised inside the app after a response was started: the server aborts the connection."""


class SandboxMiddleware:
    """ASGI middleware applying a `SandboxControl` to every non-admin HTTP request."""

    def __init__(self, app: ASGIApp, control: SandboxControl) -> None:
        """Wrap `app`."""
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count, delay, rate-limit, inject a fault, or pass the request on."""
        control = self.control
        path = scope.get("path", "")
        if scope["type"] != ScopeType.HTTP or path.startswith(control.admin_prefix):
            await self.app(scope, receive, send)
            return
        endpoint = f"{scope['method']} {scope.get('path_template', path)}"
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        info = RequestInfo(method=scope["method"], path=path, headers=headers)
        keys = [(rule, rule.key(info)) for rule in control.rules]
        control.counters.record(endpoint, next((k for _, k in keys if k is not None), None))

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                control.counters.record_status(endpoint, message["status"])
            await send(message)

        faults = control.faults
        if faults.latency_s or faults.latency_jitter_s:
            await control.sleep(faults.latency_s + control.rng.random() * faults.latency_jitter_s)
        for rule, key in keys:
            wait = rule.window.acquire(key) if key is not None else None
            if wait is not None:
                await send_reply(counting_send, control.render_error("rate_limited", 429, wait))
                return
        fault = control.next_fault(path)
        if fault == "drop":
            control.counters.record_status(endpoint, DROPPED)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise DroppedConnection("sandbox dropped the connection")
        await self._inject(fault, scope, receive, counting_send)

    async def _inject(
        self, fault: FaultKind | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        control, faults = self.control, self.control.faults
        if fault == "429":
            await send_reply(send, control.render_error("injected_429", 429, faults.retry_after_s))
        elif fault == "5xx":
            status = control.rng.choice(faults.statuses_5xx or [500])
            await send_reply(send, control.render_error("injected_5xx", status, None))
        else:
            if fault == "timeout":
                # Real time, not `control.sleep`: the client's timeout runs on the real clock.
                await asyncio.sleep(faults.timeout_sleep_s)
            await self.app(scope, receive, send)


async def send_reply(send: Send, reply: ErrorReply) -> None:
    """Send `reply` as a complete ASGI response."""
    headers = [(b"content-type", reply.content_type.encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body, "more_body": False})


def sandbox_middleware(control: SandboxControl) -> DefineMiddleware:
    """The middleware entry for `Litestar(middleware=[...])`."""
    return DefineMiddleware(SandboxMiddleware, control=control)
