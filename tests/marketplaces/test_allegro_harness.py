"""Set-up shared by the Allegro tests (no tests here): a sandbox in-process, a client wired to it.

Everything runs over HTTP through `SandboxTransport` (timeouts and dropped connections behave like
sockets). Time is the sandbox's: every sleep of the client (polling, backoff) advances the sandbox
clock instead of waiting, so commands finish, tokens expire and rate-limit blocks lift at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from server.marketplaces.allegro import (
    AllegroClient,
    AllegroOAuth,
    AllegroSession,
    InMemoryTokenStore,
    Polling,
    Tokens,
    allegro_http,
)
from server.marketplaces.http import MarketplaceHttp
from server.marketplaces.ratelimit import NullLimiter
from server.marketplaces.retry import RetryPolicy
from server.sandboxes.allegro import (
    AllegroSandboxConfig,
    AllegroSeed,
    SandboxClock,
    SandboxRuntime,
    create_allegro_sandbox,
    generate_seed,
)
from server.sandboxes.common import SandboxTransport

BASE_URL = "http://allegro.test"
VENDOR = "application/vnd.allegro.public.v1+json"
USER_AGENT = "StockBridgeTests/1.0 (+https://example.com/stockbridge)"
CLIENT_ID, CLIENT_SECRET = "stockbridge-demo", "stockbridge-demo-secret"
SELLER, OTHER_SELLER = "StockBridgeDemo1", "StockBridgeDemo2"


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """The Allegro tests use no database; this replaces the suite-wide truncation."""


class ClockSleep:
    """A sleep that records the delay and advances the sandbox clock by it."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.delays: list[float] = []
        self.hooks: list[Any] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds)
        for hook in list(self.hooks):
            await hook()


@dataclass
class Env:
    """A sandbox and a client for one of its sellers."""

    app: Litestar
    clock: SandboxClock
    sleep: ClockSleep
    raw: httpx.AsyncClient
    api: MarketplaceHttp
    auth: MarketplaceHttp
    tokens: InMemoryTokenStore
    oauth: AllegroOAuth
    session: AllegroSession
    client: AllegroClient
    extra: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def runtime(self) -> SandboxRuntime:
        return self.app.state.allegro  # type: ignore[no-any-return]

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the sandbox admin API; returns the JSON body (asserts 2xx)."""
        response = await self.raw.request(method, f"/_sandbox{path}", **kwargs)
        assert response.is_success, response.text
        return response.json()

    async def issue_tokens(self, seller: str = SELLER) -> Tokens:
        """A token pair for `seller` straight from the sandbox (skipping the device flow)."""
        body = await self.admin("POST", f"/sellers/{seller}/tokens", json={})
        expires = self.clock.now() + dt.timedelta(seconds=body["expires_in"])
        return Tokens(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=expires,
            scope=body["scope"],
        )

    def headers(self, token: str, **extra: str) -> dict[str, str]:
        """Correct Allegro headers for a raw call."""
        return {
            "Authorization": f"Bearer {token}",
            "Accept": VENDOR,
            "User-Agent": USER_AGENT,
            **extra,
        }

    def offers_of(self, seller: str = SELLER) -> list[Any]:
        """The seller's offers as stored in the sandbox, newest first."""
        store = self.runtime.store
        owner = store.seller_by_login(seller)
        assert owner is not None
        return list(store.offers_of(owner.id))

    def count(self, endpoint: str, status: int | None = None) -> int:
        """Requests the sandbox counted for `METHOD /template`."""
        return self.runtime.control.counters.count(endpoint, status)


def fast_config(**overrides: Any) -> AllegroSandboxConfig:
    """Sandbox settings with documented defaults unless overridden."""
    return AllegroSandboxConfig(**overrides)


@asynccontextmanager
async def allegro_env(
    config: AllegroSandboxConfig | None = None,
    seed: AllegroSeed | None = None,
    *,
    attempts: int = 3,
    connect: bool = True,
    rate_limited_min_delay_s: float = 60.0,
    timeout_s: float = 5.0,
) -> AsyncIterator[Env]:
    """A sandbox (default: 2 sellers, 30 offers each) and a client connected as `SELLER`."""
    clock = SandboxClock()
    app = create_allegro_sandbox(config or fast_config(), seed or generate_seed(2, 30), clock=clock)
    transport = SandboxTransport(app)
    sleep = ClockSleep(clock)
    retry = RetryPolicy(
        attempts=attempts,
        base_delay_s=0.5,
        rate_limited_min_delay_s=rate_limited_min_delay_s,
        sleep=sleep,
    )
    options: dict[str, Any] = {
        "limiter": NullLimiter(),
        "retry": retry,
        "account_label": "test-seller",
        "timeout_s": timeout_s,
        "transport": transport,
        "user_agent": USER_AGENT,
    }
    api, auth = allegro_http(BASE_URL, **options), allegro_http(BASE_URL, **options)
    raw = httpx.AsyncClient(transport=transport, base_url=BASE_URL)
    oauth = AllegroOAuth(auth, CLIENT_ID, CLIENT_SECRET, now=clock.now)
    store = InMemoryTokenStore()
    session = AllegroSession(oauth, store, now=clock.now, sleep=sleep)
    client = AllegroClient(api, session, user_agent=USER_AGENT, polling=Polling(sleep=sleep))
    env = Env(app, clock, sleep, raw, api, auth, store, oauth, session, client)
    if connect:
        store.tokens = await env.issue_tokens()
    try:
        yield env
    finally:
        for http in (raw, api.client, auth.client, *env.extra):
            await http.aclose()
