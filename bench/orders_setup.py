"""Set-up for the order-import benchmark (`bench/orders.py`): sandboxes, catalogue, accounts.

Two Allegro sellers and one Wix V3 site on in-process sandboxes (`SandboxTransport`, no sockets),
their limits time-scaled like `bench/sync.py`'s. Every product gets plenty of opening stock in
warehouse A through the ledger (so the invariant holds from the start and no order runs short),
every marketplace item is mapped to its SKU, and one import per account runs before any order is
placed, so each account's cursor and watermark start before the benchmark's orders. Requests of
the importers go through a `Meter` that counts them by endpoint; the admin calls that place and
cancel orders go through an unmetered client.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from collections import Counter
from typing import Any

import httpx
from redis.asyncio import Redis

from server.connectors.allegro import AllegroConnector
from server.connectors.wix import WixConnector
from server.domain.accounts import NewAccount, create_account
from server.domain.credentials import save_allegro_tokens
from server.domain.ledger import receive
from server.domain.listings import NewListing, create_listing
from server.domain.products import NewProduct, create_product
from server.domain.refs import Actor
from server.domain.warehouses import create_warehouse
from server.marketplaces.allegro.base import Polling
from server.orders import OrderImportDeps, import_account
from server.sandboxes.allegro import create_allegro_sandbox
from server.sandboxes.allegro.config import AllegroSandboxConfig
from server.sandboxes.allegro.seed import AllegroSeed, OfferSeed, SellerSeed
from server.sandboxes.common import SandboxTransport
from server.sandboxes.wix import WixProductSeed, WixSandboxConfig, WixSiteSeed, create_wix_sandbox
from server.sandboxes.wix.app import wix_sandbox_of
from server.settings import get_settings

ACTOR = Actor(email="bench", source="system")
OPENING_STOCK = 1_000_000
WIX_KEY = "wix-orders-bench-key-0001"
WIX_SITE = "33333333-3333-4333-8333-00000000b0b0"
CLIENT = {"client_id": "stockbridge-demo", "client_secret": "stockbridge-demo-secret"}
SELLERS = {"allegro-1": "40000011", "allegro-2": "40000012"}
ID_SEGMENT = re.compile(r"/(?=[^/]*\d)[0-9A-Za-z-]{8,}(?=/|$)")


def sku_of(n: int) -> str:
    """The n-th SKU of the benchmark's catalogue."""
    return f"OB-{n:05d}"


class Meter(httpx.AsyncBaseTransport):
    """Passes requests on and counts them by `METHOD /path` (ids replaced by `{id}`)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        """Wrap `inner`; `counts` collects the requests."""
        self.inner = inner
        self.counts: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count, then forward."""
        self.counts[f"{request.method} {ID_SEGMENT.sub('/{id}', request.url.path)}"] += 1
        return await self.inner.handle_async_request(request)


@dataclasses.dataclass
class OrdersBench:
    """Sandboxes, admin clients, importer dependencies and the accounts by name."""

    wix_app: Any
    allegro_app: Any
    admin_wix: httpx.AsyncClient
    admin_allegro: httpx.AsyncClient
    meter: Meter
    deps: OrderImportDeps
    skus: list[str]
    accounts: dict[str, int] = dataclasses.field(default_factory=dict)
    offers: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    """Allegro account name → SKU → offer id."""

    async def close(self) -> None:
        """Close the admin clients and the Redis connection."""
        await self.admin_wix.aclose()
        await self.admin_allegro.aclose()
        await self.deps.redis.aclose()


def allegro_seed(skus: list[str]) -> AllegroSeed:
    """Two sellers of the bench Client ID, one offer per SKU each, with fixed tokens."""
    sellers = [
        SellerSeed(
            id=seller_id,
            login=name,
            offers=[OfferSeed(external_id=sku, available=OPENING_STOCK) for sku in skus],
            client_id=CLIENT["client_id"],
            access_token=f"access-token-{name}",
            refresh_token=f"refresh-token-{name}",
        )
        for name, seller_id in SELLERS.items()
    ]
    return AllegroSeed(sellers=sellers)


def wix_config(skus: list[str], time_scale: float) -> WixSandboxConfig:
    """One Catalog V3 site with one variant per SKU."""
    seeds = [WixProductSeed(name=f"Bench {sku}", sku=sku, quantity=OPENING_STOCK) for sku in skus]
    site = WixSiteSeed(site_id=WIX_SITE, api_key=WIX_KEY, catalog="V3_CATALOG", products=seeds)
    return WixSandboxConfig(sites=[site], time_scale=time_scale)


async def insert_catalogue(skus: list[str]) -> None:
    """Warehouse A and the products, each received with `OPENING_STOCK` through the ledger."""
    await create_warehouse("A", "Main warehouse")

    async def make(sku: str) -> None:
        await create_product(NewProduct(sku=sku, name=f"Bench {sku}"), actor=ACTOR)
        await receive(sku, "A", OPENING_STOCK, actor=ACTOR, reason="Opening stock")

    for start in range(0, len(skus), 20):
        await asyncio.gather(*(make(sku) for sku in skus[start : start + 20]))


async def add_allegro(bench: OrdersBench, name: str) -> None:
    """An Allegro account with the seller's fixed tokens, every offer mapped to its SKU."""
    record = await create_account(
        NewAccount(marketplace="allegro", name=name, credentials=CLIENT, source_warehouses=["A"])
    )
    await save_allegro_tokens(
        record.id,
        access_token=f"access-token-{name}",
        refresh_token=f"refresh-token-{name}",
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    )
    store = bench.allegro_app.state.allegro.store
    offers = {o.external_id: o.id for o in store.offers_of(SELLERS[name]) if o.external_id}
    for sku, offer_id in offers.items():
        await create_listing(record.id, NewListing(sku=sku, allegro_offer_id=offer_id))
    bench.accounts[name] = record.id
    bench.offers[name] = offers


async def add_wix(bench: OrdersBench) -> None:
    """The Wix account with every variant mapped to its SKU."""
    credentials = {"api_key": WIX_KEY, "site_id": WIX_SITE, "account_id": "acc-orders-bench"}
    record = await create_account(
        NewAccount(marketplace="wix", name="wix", credentials=credentials, source_warehouses=["A"])
    )
    site = wix_sandbox_of(bench.wix_app).sites[WIX_SITE]
    for product, variant in site.items():
        listing = NewListing(
            sku=variant.sku or product.sku,
            wix_product_id=product.id,
            wix_variant_id=variant.id,
            wix_inventory_item_id=variant.item_id,
        )
        await create_listing(record.id, listing)
    bench.accounts["wix"] = record.id


async def build(products: int, time_scale: float) -> OrdersBench:
    """Sandboxes, connectors, catalogue and accounts; one import per account to start them."""
    settings = get_settings()
    skus = [sku_of(n) for n in range(1, products + 1)]
    wix_app = create_wix_sandbox(wix_config(skus, time_scale))
    allegro_app = create_allegro_sandbox(
        AllegroSandboxConfig(time_scale=time_scale), allegro_seed(skus)
    )
    redis: Redis = Redis.from_url(settings.redis_url)
    meter = Meter(SandboxTransport(wix_app))
    allegro_meter = Meter(SandboxTransport(allegro_app))
    allegro_meter.counts = meter.counts
    deps = OrderImportDeps(
        redis=redis,
        allegro=AllegroConnector(
            settings, redis, transport=allegro_meter, time_scale=time_scale, polling=Polling()
        ),
        wix=WixConnector(settings, redis, transport=meter, time_scale=time_scale),
    )
    bench = OrdersBench(
        wix_app=wix_app,
        allegro_app=allegro_app,
        admin_wix=httpx.AsyncClient(transport=SandboxTransport(wix_app), base_url="http://wix"),
        admin_allegro=httpx.AsyncClient(
            transport=SandboxTransport(allegro_app), base_url="http://allegro"
        ),
        meter=meter,
        deps=deps,
        skus=skus,
    )
    stale = [key async for key in redis.scan_iter(match="stockbridge:lock:orders:*")]
    if stale:  # account ids restart at 1 in every database: an earlier run's lock must not count
        await redis.delete(*stale)
    await insert_catalogue(skus)
    for name in SELLERS:
        await add_allegro(bench, name)
    await add_wix(bench)
    for account_id in bench.accounts.values():
        report = await import_account(deps, account_id)
        assert report.status == "done", report
    meter.counts.clear()
    return bench
