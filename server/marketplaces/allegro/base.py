"""The authorised request every Allegro API call goes through, and how the client is built.

Each call: a valid access token from the session, Allegro's headers (`Accept` and, with a body,
`Content-Type` = `application/vnd.allegro.public.v1+json`; a `User-Agent` naming the app, which
Allegro requires since mid-2026), the Client ID budget plus any per-seller budget, retries per the
shared policy. A 401 refreshes the token once and repeats the call once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from redis.asyncio import Redis

from server.marketplaces.allegro.errors import AllegroApiError, parse_allegro_error
from server.marketplaces.allegro.models import encoder
from server.marketplaces.allegro.session import AllegroSession
from server.marketplaces.http import MarketplaceHttp, build_http_client
from server.marketplaces.ratelimit import (
    ALLEGRO_OFFER_CHANGES_HOUR_BUDGET,
    ALLEGRO_OFFER_CHANGES_MINUTE_BUDGET,
    ALLEGRO_OFFER_PATCH_BUDGET,
    ALLEGRO_OFFER_READ_BUDGET,
    Budget,
    RateLimiter,
    allegro_seller_key,
)
from server.marketplaces.retry import RetryPolicy, SleepFunction

VENDOR_TYPE = "application/vnd.allegro.public.v1+json"
DEFAULT_USER_AGENT = "StockBridge/0.1.0 (+https://github.com/stockbridge/stockbridge)"
"""`AppName/Version (+URL)`; AppName must be the name registered at apps.developer.allegro.pl."""
ALLEGRO_BLOCK_S = 60.0
"""How long Allegro blocks a Client ID that went over 9000 requests/min (no Retry-After sent)."""


def allegro_http(
    base_url: str,
    *,
    limiter: RateLimiter,
    retry: RetryPolicy,
    account_label: str,
    timeout_s: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
) -> MarketplaceHttp:
    """A `MarketplaceHttp` for the Allegro API or auth host with Allegro's headers and errors."""
    client = build_http_client(
        base_url,
        timeout_s,
        transport=transport,
        headers={"Accept": VENDOR_TYPE, "User-Agent": user_agent},
    )
    return MarketplaceHttp(
        client, limiter, retry, "allegro", account_label, error_parser=parse_allegro_error
    )


def allegro_retry_policy(attempts: int, *, block_s: float = ALLEGRO_BLOCK_S) -> RetryPolicy:
    """The shared policy with a 429 wait long enough to outlast Allegro's one-minute block."""
    return RetryPolicy(attempts=attempts, rate_limited_min_delay_s=block_s)


@dataclass(frozen=True)
class SellerLimiters:
    """Per-seller budgets (contract §3.3); `offer_changes` are charged one unit per offer."""

    offer_get: RateLimiter | None = None
    offer_patch: RateLimiter | None = None
    offer_changes: Sequence[RateLimiter] = ()

    @classmethod
    def shared(cls, redis: Redis, seller_id: str, *, time_scale: float = 1.0) -> SellerLimiters:
        """The documented per-seller budgets, held in Redis across processes."""

        def budget(name: str, spec: Budget) -> RateLimiter:
            return spec.limiter(redis, allegro_seller_key(seller_id, name), time_scale=time_scale)

        return cls(
            offer_get=budget("offer-get", ALLEGRO_OFFER_READ_BUDGET),
            offer_patch=budget("offer-patch", ALLEGRO_OFFER_PATCH_BUDGET),
            offer_changes=(
                budget("offer-changes-minute", ALLEGRO_OFFER_CHANGES_MINUTE_BUDGET),
                budget("offer-changes-hour", ALLEGRO_OFFER_CHANGES_HOUR_BUDGET),
            ),
        )


@dataclass(frozen=True)
class Polling:
    """How the client waits for asynchronous work (PATCH operations and commands)."""

    operation_interval_s: float = 1.0
    operation_timeout_s: float = 300.0
    command_first_delay_s: float = 1.0
    command_max_delay_s: float = 30.0
    command_backoff: float = 1.5
    command_timeout_s: float = 3600.0
    conflict_attempts: int = 5
    conflict_delay_s: float = 2.0
    sleep: SleepFunction = field(default=asyncio.sleep, compare=False)


class AllegroBase:
    """Authorised requests to the Allegro REST API for one seller account.

    Args:
        http: A `MarketplaceHttp` on the API host (see `allegro_http`).
        session: The seller's token session.
        user_agent: Sent on every request.
        limiters: Per-seller budgets (None: only the Client ID budget in `http`).
        polling: Waiting for 202 PATCHes and commands.
    """

    def __init__(
        self,
        http: MarketplaceHttp,
        session: AllegroSession,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        limiters: SellerLimiters | None = None,
        polling: Polling | None = None,
    ) -> None:
        """Keep the collaborators; nothing is sent yet."""
        self.http = http
        self.session = session
        self.user_agent = user_agent
        self.limiters = limiters or SellerLimiters()
        self.polling = polling or Polling()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: object | None = None,
        idempotent: bool | None = None,
        limits: Sequence[tuple[RateLimiter, int]] = (),
        refresh_on_403: bool = False,
    ) -> httpx.Response:
        """Send an authorised request; after a 401 refresh the token and send it once more.

        `refresh_on_403`: the spec answers an invalid token on `GET /sale/offers` with 403, so
        that call treats 403 like 401 (one refresh, one repeat).
        """
        token = await self.session.access_token()
        try:
            return await self._send(method, path, token, params, body, idempotent, limits)
        except AllegroApiError as error:
            if not (error.status == 401 or (refresh_on_403 and error.status == 403)):
                raise
        token = await self.session.refresh_rejected(token)
        return await self._send(method, path, token, params, body, idempotent, limits)

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        params: Mapping[str, Any] | None,
        body: object | None,
        idempotent: bool | None,
        limits: Sequence[tuple[RateLimiter, int]],
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": VENDOR_TYPE,
            "User-Agent": self.user_agent,
        }
        content = None
        if body is not None:
            headers["Content-Type"] = VENDOR_TYPE
            content = encoder.encode(body)
        return await self.http.request(
            method,
            path,
            params=params,
            content=content,
            headers=headers,
            idempotent=idempotent,
            extra_limits=limits,
        )

    def limit(self, limiter: RateLimiter | None, cost: int = 1) -> list[tuple[RateLimiter, int]]:
        """`[(limiter, cost)]`, or nothing when that budget is not configured."""
        return [] if limiter is None else [(limiter, cost)]
