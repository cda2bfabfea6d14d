"""The HTTP layer both marketplace clients share: limits, retries, typed errors, logs, counters.

`MarketplaceHttp` wraps one injected `httpx.AsyncClient` per account. Each attempt takes a slot
from the account's limiter (and any per-endpoint budgets), sends, logs one line (never headers,
bodies or query strings) and counts itself in `RequestStats`. A 2xx response is returned; anything
else becomes a `MarketplaceError` (built by the marketplace's own `error_parser`) that is retried
per `RetryPolicy` when the outcome and the request allow it, and raised when they do not.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from server.marketplaces.errors import (
    MarketplaceError,
    TransportError,
    default_error_parser,
    error_context,
)
from server.marketplaces.logging import (
    AttemptRecord,
    log_attempt,
    protect_httpx_logs,
    redact_url,
    request_id_from,
    route_of,
)
from server.marketplaces.ratelimit import RateLimiter
from server.marketplaces.retry import RetryPolicy
from server.settings import get_settings

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "ErrorParser",
    "MarketplaceHttp",
    "RequestStats",
    "build_http_client",
    "default_error_parser",
    "error_context",
]

ErrorParser = Callable[[httpx.Response], MarketplaceError]
"""Maps a non-2xx response to the marketplace's error type (see `errors.error_context`)."""

DEFAULT_MAX_CONNECTIONS = 20
"""Connections one account's client keeps open at most (one client per account)."""


def build_http_client(
    base_url: str,
    timeout_s: float | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> httpx.AsyncClient:
    """One account's pooled client; call it from a lifespan or worker startup, close it there.

    Args:
        base_url: The marketplace API root (a setting, so tests and the demo can redirect it).
        timeout_s: Per-request timeout; defaults to `SYNC_TIMEOUT_SECONDS`.
        transport: Replaces the network, e.g. `httpx.ASGITransport(app=sandbox)` or
            `httpx.MockTransport(handler)` in tests.
        headers: Sent with every request (e.g. Allegro's `Accept` and `User-Agent`).
        max_connections: Size of the connection pool.
    """
    protect_httpx_logs()
    seconds = get_settings().sync_timeout_seconds if timeout_s is None else timeout_s
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(seconds, connect=min(seconds, 10.0)),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
        ),
        headers=dict(headers or {}),
        transport=transport,
        follow_redirects=False,
    )


@dataclass
class RequestStats:
    """Counters of one `MarketplaceHttp` instance, for benchmarks and the dashboard.

    `requests` counts calls of `request`; `attempts`, `by_route` and `by_status` count what went
    on the wire (retries included); `limiter_wait_s` is the time spent waiting for slots.
    """

    requests: int = 0
    attempts: int = 0
    retries: int = 0
    failures: int = 0
    transport_errors: int = 0
    limiter_wait_s: float = 0.0
    by_route: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)

    def snapshot(self) -> dict[str, Any]:
        """A plain copy: `by_route` keys become `"GET /path/{id}"`."""
        return {
            "requests": self.requests,
            "attempts": self.attempts,
            "retries": self.retries,
            "failures": self.failures,
            "transport_errors": self.transport_errors,
            "limiter_wait_s": round(self.limiter_wait_s, 6),
            "by_route": {f"{m} {r}": n for (m, r), n in sorted(self.by_route.items())},
            "by_status": dict(sorted(self.by_status.items())),
        }


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    path: str
    route: str
    repeatable: bool


class MarketplaceHttp:
    """Limited, retried, logged requests for one marketplace account.

    Args:
        client: The account's `httpx.AsyncClient` (its owner closes it).
        limiter: The account's credential budget (e.g. an Allegro Client ID's).
        retry: When and how long to retry.
        marketplace: `"wix"` or `"allegro"`, for logs.
        account_label: A readable, non-secret account name, for logs.
        error_parser: Maps the marketplace's error bodies; defaults to `default_error_parser`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        limiter: RateLimiter,
        retry: RetryPolicy,
        marketplace: str,
        account_label: str,
        error_parser: ErrorParser | None = None,
    ) -> None:
        self.client = client
        self.limiter = limiter
        self.retry = retry
        self.marketplace = marketplace
        self.account_label = account_label
        self.error_parser = error_parser or default_error_parser
        self.stats = RequestStats()
        protect_httpx_logs()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        route: str | None = None,
        cost: int = 1,
        extra_limits: Sequence[tuple[RateLimiter, int]] = (),
    ) -> httpx.Response:
        """Send a request within the budgets, retrying per policy; return a 2xx response.

        Args:
            method: HTTP method.
            path: Path under the client's base URL (ids in it are fine; no secrets).
            json: Body to send as JSON; or `content` (bytes, e.g. msgspec-encoded) or form `data`.
            params: Query parameters (never logged; credential-like values masked in errors).
            headers: Extra headers (never logged).
            idempotent: True lets a POST/PATCH be retried; False forbids any retry; None decides
                by method (GET/HEAD/OPTIONS/PUT/DELETE repeat).
            route: Path template for the counters (default: ids in `path` become `{id}`).
            cost: Units of the account budget one attempt takes.
            extra_limits: More (limiter, cost) pairs taken per attempt, e.g. Allegro per-seller
                endpoint budgets.

        Raises:
            MarketplaceError: From `error_parser` for a non-2xx response, `TransportError` when no
                response arrived; after the last allowed attempt or at once if not retryable.
        """
        method = method.upper()
        request = self.client.build_request(
            method, path, json=json, content=content, data=data, params=params, headers=headers
        )
        repeatable = self.retry.may_repeat(method, idempotent)
        call = _Call(method, request.url.path, route or route_of(path), repeatable)
        return await self._send(request, call, cost, extra_limits)

    async def _send(
        self,
        request: httpx.Request,
        call: _Call,
        cost: int,
        extra_limits: Sequence[tuple[RateLimiter, int]],
    ) -> httpx.Response:
        """The attempt loop: a slot, a send, then return, raise, or wait and go again."""
        self.stats.requests += 1
        attempt = 1
        while True:
            await self._take_slot(cost, extra_limits)
            outcome = await self._attempt(request, call, attempt)
            if isinstance(outcome, httpx.Response):
                return outcome
            if not (outcome.retryable and call.repeatable and attempt < self.retry.attempts):
                self.stats.failures += 1
                raise outcome
            self.stats.retries += 1
            await self.retry.sleep(
                self.retry.delay(attempt, retry_after=outcome.retry_after, status=outcome.status)
            )
            attempt += 1

    async def _take_slot(self, cost: int, extra_limits: Sequence[tuple[RateLimiter, int]]) -> None:
        started = time.monotonic()
        await self.limiter.acquire(cost)
        for limiter, extra_cost in extra_limits:
            await limiter.acquire(extra_cost)
        self.stats.limiter_wait_s += time.monotonic() - started

    async def _attempt(
        self, request: httpx.Request, call: _Call, attempt: int
    ) -> httpx.Response | MarketplaceError:
        self.stats.attempts += 1
        self.stats.by_route[(call.method, call.route)] += 1
        started = time.perf_counter()
        try:
            response = await self.client.send(request)
        except httpx.TransportError as exc:
            self.stats.transport_errors += 1
            error = TransportError(
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                method=call.method,
                url=redact_url(request.url),
                retryable=not isinstance(exc, httpx.UnsupportedProtocol),
            )
            self._log(call, attempt, started, None, None, "transport_error")
            return error
        self.stats.by_status[response.status_code] += 1
        request_id = request_id_from(response.headers)
        if response.is_success:
            self._log(call, attempt, started, response.status_code, request_id, "ok")
            return response
        self._log(call, attempt, started, response.status_code, request_id, "error")
        return self._error_for(response)

    def _error_for(self, response: httpx.Response) -> MarketplaceError:
        """The parser's error, with the shared fields it left empty filled in."""
        error = self.error_parser(response)
        context = error_context(response)
        error.status = error.status if error.status is not None else context["status"]
        error.request_id = error.request_id or context["request_id"]
        error.method = error.method or context["method"]
        error.url = error.url or context["url"]
        if error.retry_after is None:
            error.retry_after = context["retry_after"]
        error.retryable = self.retry.is_retryable_status(response.status_code)
        return error

    def _log(
        self,
        call: _Call,
        attempt: int,
        started: float,
        status: int | None,
        request_id: str | None,
        outcome: str,
    ) -> None:
        record = AttemptRecord(
            marketplace=self.marketplace,
            account=self.account_label,
            method=call.method,
            path=call.path,
            route=call.route,
            status=status,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            attempt=attempt,
            attempts=self.retry.attempts,
            request_id=request_id,
            outcome=outcome,
        )
        log_attempt(record, level=logging.INFO if outcome == "ok" else logging.WARNING)
