"""Set-up shared by the Wix tests: a sandbox in-process on a fake clock, a client wired to it.

Everything runs over HTTP through `SandboxTransport` (timeouts and dropped connections behave like
sockets). Time is fake: the client's backoff sleeps and the sandbox's injected latency advance
one clock that also drives the sandbox's rate window, so nothing waits for real.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from server.marketplaces.ratelimit import NullLimiter, RateLimiter
from server.marketplaces.retry import RetryPolicy
from server.marketplaces.wix import WixClient, WixCredentials, create_wix_client
from server.sandboxes.common import SandboxTransport
from server.sandboxes.wix import (
    WixContractOptions,
    WixProductSeed,
    WixSandbox,
    WixSandboxConfig,
    WixSiteSeed,
    WixVariantSeed,
    create_wix_sandbox,
    wix_sandbox_of,
)

BASE_URL = "http://wix.test"
KEY = "test-api-key-0001"
OTHER_KEY = "other-account-key-0002"
SITE_V1 = "11111111-aaaa-4aaa-8aaa-111111111111"
SITE_V3 = "33333333-aaaa-4aaa-8aaa-333333333333"
SITE_NONE = "55555555-aaaa-4aaa-8aaa-555555555555"
SITE_OTHER = "77777777-aaaa-4aaa-8aaa-777777777777"
SITES = {"V1": SITE_V1, "V3": SITE_V3}


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """The Wix tests use no database; this replaces the suite-wide truncation."""


class FakeTime:
    """One fake clock for the sandbox (wall and monotonic) and every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.delays: list[float] = []

    def wall(self) -> float:
        return 1_750_000_000.0 + self.now

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds


def catalogue() -> list[WixProductSeed]:
    """A small fixed catalogue: simple, option, hidden, digital and untracked products."""
    return [
        WixProductSeed(name="Blue mug", sku="MUG-BLUE", quantity=5),
        WixProductSeed(
            name="T-shirt",
            variants=[
                WixVariantSeed(sku="TS-S", choices={"Size": "S"}, quantity=3),
                WixVariantSeed(sku="TS-M", choices={"Size": "M"}, quantity=0),
                WixVariantSeed(sku="TS-L", choices={"Size": "L"}, quantity=7),
            ],
        ),
        WixProductSeed(name="Hidden lamp", sku="LAMP", quantity=2, visible=False),
        WixProductSeed(name="E-book", sku="EBOOK", quantity=9, product_type="digital"),
        WixProductSeed(name="Made to order", sku="MTO", track_quantity=False),
        WixProductSeed(name="Blue mug (copy)", sku="MUG-BLUE", quantity=1),
    ]


def config(
    *,
    generate: int = 0,
    options: WixContractOptions | None = None,
    time_scale: float = 1.0,
    products: list[WixProductSeed] | None = None,
) -> WixSandboxConfig:
    """Sites V1 and V3 with the same catalogue, one without Stores, one of another account."""
    seeds = catalogue() if products is None else products
    sites = [
        WixSiteSeed(
            site_id=SITE_V1, api_key=KEY, catalog="V1_CATALOG", products=seeds, generate=generate
        ),
        WixSiteSeed(
            site_id=SITE_V3, api_key=KEY, catalog="V3_CATALOG", products=seeds, generate=generate
        ),
        WixSiteSeed(site_id=SITE_NONE, api_key=KEY, catalog="STORES_NOT_INSTALLED"),
        WixSiteSeed(site_id=SITE_OTHER, api_key=OTHER_KEY, catalog="V3_CATALOG", generate=2),
    ]
    return WixSandboxConfig(
        sites=sites, options=options or WixContractOptions(), time_scale=time_scale
    )


def headers(site_id: str, key: str = KEY) -> dict[str, str]:
    """API-key headers as Wix expects them."""
    return {"Authorization": key, "wix-site-id": site_id}


@dataclass
class WixEnv:
    """A sandbox app, its state, fake time, a raw HTTP client and a `WixClient` per site."""

    app: Litestar
    sandbox: WixSandbox
    time: FakeTime
    raw: httpx.AsyncClient
    clients: dict[str, WixClient] = field(default_factory=dict)

    def client(self, catalog: str) -> WixClient:
        return self.clients[SITES[catalog]]

    def count(self, endpoint: str, status: int | None = None) -> int:
        return self.sandbox.control.counters.count(endpoint, status)

    def stock(self, catalog: str) -> dict[str, list[dict[str, Any]]]:
        """Admin view of a site's stock, grouped by SKU."""
        from server.sandboxes.wix.admin import stock_row

        site = self.sandbox.sites[SITES[catalog]]
        rows: dict[str, list[dict[str, Any]]] = {}
        for product, variant in site.items():
            row = stock_row(site, product, variant)
            rows.setdefault(row["sku"], []).append(row)
        return rows


@asynccontextmanager
async def wix_env(
    cfg: WixSandboxConfig | None = None,
    *,
    attempts: int = 3,
    client_timeout: float = 5.0,
    limiter: RateLimiter | None = None,
    wrap: Callable[[WixSandbox, httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
    key: str = KEY,
    real_time: bool = False,
) -> AsyncIterator[WixEnv]:
    """A sandbox and clients for every site of the default config (or `cfg`).

    `wrap` may put a transport of its own between the clients and the sandbox; `real_time` runs
    the sandbox's rate window and counters on the real monotonic clock (for real limiters).
    """
    clock = FakeTime()
    monotonic = time.monotonic if real_time else clock.monotonic
    app = create_wix_sandbox(
        cfg or config(), clock=clock.wall, monotonic=monotonic, sleep=clock.sleep
    )
    sandbox = wix_sandbox_of(app)
    wire: httpx.AsyncBaseTransport = SandboxTransport(app)
    if wrap is not None:
        wire = wrap(sandbox, wire)
    retry = RetryPolicy(attempts=attempts, base_delay_s=0.5, sleep=clock.sleep, jitter=lambda: 0.5)
    async with httpx.AsyncClient(transport=wire, base_url=BASE_URL, timeout=client_timeout) as http:
        env = WixEnv(app=app, sandbox=sandbox, time=clock, raw=http)
        for site_id in sandbox.sites:
            credentials = WixCredentials(api_key=key, site_id=site_id)
            env.clients[site_id] = create_wix_client(
                http, credentials, limiter or NullLimiter(), retry, f"test-{site_id[:8]}"
            )
        yield env


def test_credentials_repr_hides_the_key() -> None:
    shown = repr(WixCredentials(api_key="secret-key-1234", site_id=SITE_V1))
    assert "secret-key" not in shown
    assert "1234" in shown and SITE_V1 in shown
