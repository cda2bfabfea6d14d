"""Set-up shared by the sync job tests (no tests here): three accounts on in-process sandboxes.

A Wix V1 site, a Wix V3 site and an Allegro seller, 30 products `SB-00001…` mapped to all three
by auto-map, stock in warehouse A. Jobs run in burst arq Workers on real Redis, on a queue of
their own; the engine gets connectors built with sandbox transports. Allegro command polling
sleeps on the sandbox clock, so commands finish without waiting.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.worker import Function, Worker

from server.connectors.allegro import AllegroConnector
from server.connectors.wix import WixConnector
from server.domain import hooks
from server.domain.accounts import NewAccount, create_account, get_account
from server.domain.automap import automap
from server.domain.credentials import save_allegro_tokens
from server.domain.ledger import adjust
from server.domain.refs import Actor
from server.domain.sellable import sellable_for_account
from server.marketplaces.allegro.base import Polling
from server.marketplaces.retry import RetryPolicy
from server.sandboxes.allegro import SandboxClock, create_allegro_sandbox, generate_seed
from server.sandboxes.common import SandboxTransport
from server.sandboxes.wix import WixSandboxConfig, WixSiteSeed, create_wix_sandbox
from server.sandboxes.wix.admin import stock_row
from server.sandboxes.wix.app import wix_sandbox_of
from server.sandboxes.wix.config import CatalogVersion
from server.settings import get_settings
from tests.conftest import REDIS_CLAIM_KEY
from tests.integration.accounts_helpers import add_products
from worker.jobs.sync import SYNC_FUNCTIONS

PRODUCTS = 30
SKUS = [f"SB-{n:05d}" for n in range(1, PRODUCTS + 1)]
KEY = "wix-engine-test-key-0001"
SITE_V1 = "11111111-1111-4111-8111-1111111111e1"
SITE_V3 = "33333333-3333-4333-8333-3333333333e3"
SELLER = "StockBridgeDemo1"
CATALOGS: dict[str, CatalogVersion] = {SITE_V1: "V1_CATALOG", SITE_V3: "V3_CATALOG"}
ALLEGRO = {"client_id": "stockbridge-demo", "client_secret": "stockbridge-demo-secret"}


@pytest.fixture(autouse=True)
def no_app_listeners(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stock set up by a test enqueues nothing unless the test listens itself."""
    monkeypatch.setattr(hooks, "_listeners", [])


async def no_sleep(seconds: float) -> None:
    """Back-off without waiting (the sandboxes' faults cost no real time)."""


class ClockSleep:
    """A sleep that moves the Allegro sandbox clock instead of waiting."""

    def __init__(self, clock: SandboxClock) -> None:
        """Advance `clock`."""
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        """Pretend `seconds` passed."""
        self.clock.advance(seconds)


@dataclass
class SyncEnv:
    """The sandboxes, the connectors, the arq pool on a queue of its own and the accounts."""

    pool: ArqRedis
    queue: str
    wix_app: Any
    allegro_app: Any
    wix: WixConnector
    allegro: AllegroConnector
    accounts: dict[str, int] = field(default_factory=dict)
    batch_size: int = 100

    def worker(
        self,
        ctx: dict[str, Any] | None = None,
        functions: list[Function] | None = None,
        **options: Any,
    ) -> Worker:
        """A burst worker running the sync jobs (or `functions`) on this env's queue.

        `ctx` adds to or overrides the jobs' context (e.g. `drain_budget_s`, `product_tries`).
        """
        ctx = {
            "wix": self.wix,
            "allegro": self.allegro,
            "batch_size": self.batch_size,
            "lock_retry_s": 0.05,
            **(ctx or {}),
        }
        settings: dict[str, Any] = {"poll_delay": 0.01, "max_jobs": 10, **options}
        return Worker(
            functions=functions or SYNC_FUNCTIONS,
            redis_pool=self.pool,
            queue_name=self.queue,
            burst=True,
            ctx=ctx,
            handle_signals=False,
            **settings,
        )

    async def run_jobs(self) -> Worker:
        """Run every queued job (and those they queue) to the end in one burst worker."""
        worker = self.worker()
        await worker.main()
        await worker.close()
        return worker

    def wix_count(self, endpoint: str) -> int:
        """Requests the Wix sandbox counted for `METHOD /template`."""
        return int(wix_sandbox_of(self.wix_app).control.counters.count(endpoint))

    def allegro_count(self, endpoint: str) -> int:
        """Requests the Allegro sandbox counted for `METHOD /template`."""
        return int(self.allegro_app.state.allegro.control.counters.count(endpoint))

    def wix_shown(self, site_id: str) -> dict[str, int | None]:
        """Quantity per SKU on a Wix site."""
        site = wix_sandbox_of(self.wix_app).sites[site_id]
        rows = [stock_row(site, product, variant) for product, variant in site.items()]
        return {row["sku"]: row["quantity"] for row in rows}

    def allegro_offers(self) -> dict[str, Any]:
        """The seller's offers by SKU (external id)."""
        store = self.allegro_app.state.allegro.store
        owner = store.seller_by_login(SELLER)
        return {o.external_id: o for o in store.offers_of(owner.id) if o.external_id}

    def allegro_shown(self) -> dict[str, int]:
        """What each offer shows: 0 when ENDED."""
        return {
            sku: 0 if o.status == "ENDED" else o.available
            for sku, o in self.allegro_offers().items()
        }

    async def shown(self, name: str) -> dict[int, int | None]:
        """What the marketplace shows for each syncable listing of an account, by listing id."""
        rows = await sellable_for_account(self.accounts[name])
        if name == "allegro":
            by_sku: dict[str, int | None] = dict(self.allegro_shown())
        else:
            by_sku = dict(self.wix_shown(SITE_V1 if name == "v1" else SITE_V3))
        return {row.listing_id: by_sku.get(row.sku) for row in rows}

    async def drift(self) -> dict[str, int]:
        """Listings per account whose marketplace quantity differs from sellable."""
        result = {}
        for name, account_id in self.accounts.items():
            shown = await self.shown(name)
            rows = await sellable_for_account(account_id)
            result[name] = sum(1 for row in rows if shown[row.listing_id] != row.sellable)
        return result


async def set_stock(sku: str, quantity: int) -> None:
    """Warehouse A's count of a SKU (through the ledger)."""
    await adjust(sku, "A", quantity, reason="test", actor=Actor(email="t"))


async def _wix_account(env: SyncEnv, name: str, site: str) -> None:
    credentials = {"api_key": KEY, "site_id": site, "account_id": f"acc-{name}"}
    account = await create_account(
        NewAccount(marketplace="wix", name=name, credentials=credentials, source_warehouses=["A"])
    )
    env.accounts[name] = account.id
    await automap(account.id, await env.wix.fetch_items(account))


async def _allegro_account(env: SyncEnv, admin: httpx.AsyncClient) -> None:
    account = await create_account(
        NewAccount(
            marketplace="allegro", name="allegro", credentials=ALLEGRO, source_warehouses=["A"]
        )
    )
    tokens = (await admin.post(f"/_sandbox/sellers/{SELLER}/tokens", json={})).json()
    await save_allegro_tokens(
        account.id,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=tokens["expires_in"]),
        scope=tokens["scope"],
    )
    env.accounts["allegro"] = account.id
    await automap(account.id, await env.allegro.fetch_items(await get_account(account.id)))


def _wix_config() -> WixSandboxConfig:
    sites = [
        WixSiteSeed(
            site_id=site,
            api_key=KEY,
            catalog=catalog,
            generate=PRODUCTS,
            sku_prefix="SB-",
            sku_digits=5,
            variant_every=0,
        )
        for site, catalog in CATALOGS.items()
    ]
    return WixSandboxConfig(sites=sites)


async def _forget_earlier_runs(redis_url: str) -> None:
    """Run ids restart at 1 in every test: drop the job ids and run state earlier tests left."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        for pattern in ("arq:job:sync*", "arq:result:sync*", "arq:retry:sync*", "stockbridge:*"):
            # Never the run's claim on its database: without it a concurrent test run may take
            # (and flush) this database in the middle of a test.
            keys = [
                key
                async for key in pool.scan_iter(match=pattern)
                if key != REDIS_CLAIM_KEY.encode()
            ]
            if keys:
                await pool.delete(*keys)
    finally:
        await pool.aclose()


@asynccontextmanager
async def sync_env(
    stock: Callable[[int], int] = lambda n: (n * 7) % 40,
    wix_wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> AsyncIterator[SyncEnv]:
    """Three accounts over fresh sandboxes, products with stock `stock(n)` in warehouse A."""
    from server.domain.warehouses import create_warehouse

    await create_warehouse("A", "Main warehouse")
    await add_products(SKUS)
    for n, sku in enumerate(SKUS, start=1):
        await set_stock(sku, stock(n))
    clock = SandboxClock()
    wix_app = create_wix_sandbox(_wix_config())
    allegro_app = create_allegro_sandbox(seed=generate_seed(1, PRODUCTS), clock=clock)
    wix_transport: httpx.AsyncBaseTransport = SandboxTransport(wix_app)
    if wix_wrap is not None:
        wix_transport = wix_wrap(wix_transport)
    settings = get_settings()
    await _forget_earlier_runs(settings.redis_url)
    queue = f"test:sync:{uuid.uuid4().hex}"
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url), default_queue_name=queue)
    env = SyncEnv(
        pool=pool,
        queue=queue,
        wix_app=wix_app,
        allegro_app=allegro_app,
        wix=WixConnector(
            settings,
            pool,
            transport=wix_transport,
            retry=RetryPolicy(attempts=5, sleep=no_sleep),
        ),
        allegro=AllegroConnector(
            settings,
            pool,
            transport=SandboxTransport(allegro_app),
            polling=Polling(sleep=ClockSleep(clock)),
        ),
    )
    admin = httpx.AsyncClient(transport=SandboxTransport(allegro_app), base_url="http://sandbox")
    try:
        await _wix_account(env, "v1", SITE_V1)
        await _wix_account(env, "v3", SITE_V3)
        await _allegro_account(env, admin)
        yield env
    finally:
        await admin.aclose()
        await pool.aclose()
