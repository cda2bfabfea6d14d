"""Set-up for the sync benchmark (`bench/sync.py`): sandboxes, catalogue, accounts and metering.

Four accounts over in-process sandboxes reached through `SandboxTransport` (no sockets): a Wix
V1 site, a Wix V3 site and two Allegro sellers under one Client ID. The catalogue is written with
bulk SQL (products, stock in warehouse A, listings mapped 1:1), and the sandboxes are seeded
with SKUs `SB-000001…` showing the warehouse's quantities, so the initial full sync only reads.
Every request goes through a `MeterTransport` (`sync_transport.py`), which records per account
the endpoint and when it was sent. Sandboxes, client limiters and Allegro's command delays share
one `time_scale`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from sync_transport import SELLERS, SITES, WIX_KEY, MeterTransport, warm

from server.connectors.allegro import AllegroConnector
from server.connectors.wix import WixConnector
from server.domain.accounts import NewAccount, create_account
from server.domain.credentials import save_allegro_tokens
from server.domain.db import fetch
from server.domain.warehouses import create_warehouse
from server.marketplaces.allegro.base import Polling
from server.sandboxes.allegro import create_allegro_sandbox
from server.sandboxes.allegro.config import AllegroSandboxConfig
from server.sandboxes.allegro.seed import AllegroSeed, OfferSeed, SellerSeed
from server.sandboxes.common import SandboxTransport
from server.sandboxes.wix import WixSandboxConfig, WixSiteSeed, create_wix_sandbox
from server.sandboxes.wix.admin import stock_row
from server.sandboxes.wix.app import wix_sandbox_of
from server.sandboxes.wix.config import WixProductSeed
from server.settings import get_settings
from server.sync.engine import ROUNDS_AT_ONCE
from server.sync.engine.deps import LOCK_RETRY_DEFER_S
from worker.jobs.sync import SYNC_FUNCTIONS

REDIS_DB = 7
"""The bench's Redis database: not the demo's (0) nor one the test runs claim (8-15)."""
CLIENT = {"client_id": "stockbridge-demo", "client_secret": "stockbridge-demo-secret"}


def sku_of(n: int) -> str:
    """The n-th SKU of the catalogue."""
    return f"SB-{n:06d}"


def quantity_of(n: int) -> int:
    """The opening quantity of the n-th product (never zero, so no offer starts ENDED)."""
    return (n * 7) % 50 + 1


def wix_config(products: int, time_scale: float) -> WixSandboxConfig:
    """Two sites (V1 and V3) with one variant per product, quantities as the warehouse's."""
    seeds = [
        WixProductSeed(name=f"Bench {sku_of(n)}", sku=sku_of(n), quantity=quantity_of(n))
        for n in range(1, products + 1)
    ]
    catalogs = {"wix-v1": "V1_CATALOG", "wix-v3": "V3_CATALOG"}
    sites = [
        WixSiteSeed(site_id=SITES[name], api_key=WIX_KEY, catalog=catalog, products=seeds)  # type: ignore[arg-type]
        for name, catalog in catalogs.items()
    ]
    return WixSandboxConfig(sites=sites, time_scale=time_scale)


def allegro_seed(products: int) -> AllegroSeed:
    """Two sellers of the bench Client ID, one offer per SKU each, with fixed tokens."""
    sellers = []
    for name, seller_id in SELLERS.items():
        offers = [
            OfferSeed(external_id=sku_of(n), available=quantity_of(n), name=f"Bench {n}")
            for n in range(1, products + 1)
        ]
        sellers.append(
            SellerSeed(
                id=seller_id,
                login=name,
                offers=offers,
                client_id=CLIENT["client_id"],
                access_token=f"access-token-{name}",
                refresh_token=f"refresh-token-{name}",
            )
        )
    return AllegroSeed(sellers=sellers)


def allegro_config(time_scale: float) -> AllegroSandboxConfig:
    """Real limits with windows, blocks and command delays scaled by `time_scale`."""
    return AllegroSandboxConfig(
        time_scale=time_scale,
        command_delay_s=2.0 / time_scale,
        operation_delay_s=1.0 / time_scale,
    )


def polling(time_scale: float) -> Polling:
    """The client's command polling, its delays scaled like the sandbox's."""
    return Polling(
        operation_interval_s=1.0 / time_scale,
        command_first_delay_s=1.0 / time_scale,
        command_max_delay_s=30.0 / time_scale,
        conflict_delay_s=2.0 / time_scale,
    )


@dataclass
class Bench:
    """The sandboxes, the meter, the connectors, the arq pool and the accounts by name."""

    pool: ArqRedis
    queue: str
    wix_app: Any
    allegro_app: Any
    meter: MeterTransport
    wix: WixConnector
    allegro: AllegroConnector
    accounts: dict[str, int] = field(default_factory=dict)
    batch_size: int = 100
    lock_retry_s: float = LOCK_RETRY_DEFER_S
    rounds_at_once: int = ROUNDS_AT_ONCE

    def worker(self, *, burst: bool) -> Worker:
        """An arq worker running the sync jobs on the bench queue, with the worker's job timeout.

        (arq's default of 300 s is shorter than a Wix V1 read pass of 100k products in real time.)
        """
        from worker.settings import WorkerSettings  # reads the settings: import once they are set

        ctx = {
            "wix": self.wix,
            "allegro": self.allegro,
            "batch_size": self.batch_size,
            "lock_retry_s": self.lock_retry_s,
            "rounds_at_once": self.rounds_at_once,
        }
        return Worker(
            functions=SYNC_FUNCTIONS,
            redis_pool=self.pool,
            queue_name=self.queue,
            burst=burst,
            ctx=ctx,
            handle_signals=False,
            poll_delay=0.01,
            max_jobs=10,
            job_timeout=WorkerSettings.job_timeout,
        )

    def wix_rows(self, name: str) -> dict[str, Any]:
        """SKU → (site, product, variant) of a Wix site, for cheap reads of the shown quantity."""
        site = wix_sandbox_of(self.wix_app).sites[SITES[name]]
        return {(v.sku or p.sku): (site, p, v) for p, v in site.items()}

    def allegro_rows(self, name: str) -> dict[str, Any]:
        """SKU → offer object of one Allegro seller."""
        store = self.allegro_app.state.allegro.store
        return {o.external_id: o for o in store.offers_of(SELLERS[name]) if o.external_id}


def shown_wix(row: Any) -> int | None:
    """The quantity a Wix variant shows (its `quantity`, as `stock_row` reports it)."""
    quantity = row[2].quantity
    return int(quantity) if quantity is not None else None


def shown_allegro(offer: Any) -> int:
    """What an offer shows: 0 when ENDED."""
    return 0 if offer.status == "ENDED" else int(offer.available)


async def insert_catalogue(products: int) -> None:
    """Warehouse A, the products and their stock, in bulk."""
    await create_warehouse("A", "Main warehouse")
    numbers = list(range(1, products + 1))
    await fetch(
        "INSERT INTO product (sku, name, description, attributes, is_sync_enabled, created_at, "
        "updated_at) SELECT s, 'Bench ' || s, '', jsonb_build_object(), true, now(), now() "
        "FROM unnest({}::text[]) AS s",
        [sku_of(n) for n in numbers],
    )
    await fetch(
        "INSERT INTO stock (product, warehouse, quantity, reserved, updated_at) "
        "SELECT s, (SELECT id FROM warehouse WHERE code = 'A'), q, 0, now() "
        "FROM unnest({}::text[], {}::int[]) AS t(s, q)",
        [sku_of(n) for n in numbers],
        [quantity_of(n) for n in numbers],
    )


async def insert_listings(bench: Bench, name: str) -> None:
    """Map every item of an account to its SKU, in one INSERT."""
    account_id = bench.accounts[name]
    if name in SITES:
        rows = bench.wix_rows(name)
        await fetch(
            "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, "
            "wix_inventory_item_id, active, created_at, updated_at) "
            f"SELECT {account_id}, s, a, b, c, true, now(), now() "
            "FROM unnest({}::text[], {}::text[], {}::text[], {}::text[]) AS t(s, a, b, c)",
            list(rows),
            [p.id for _, p, _ in rows.values()],
            [v.id for _, _, v in rows.values()],
            [stock_row(*r)["inventory_item_id"] for r in rows.values()],
        )
        return
    offers = bench.allegro_rows(name)
    await fetch(
        "INSERT INTO listing (account, product, allegro_offer_id, active, created_at, updated_at) "
        f"SELECT {account_id}, s, a, true, now(), now() "
        "FROM unnest({}::text[], {}::text[]) AS t(s, a)",
        list(offers),
        [o.id for o in offers.values()],
    )


async def add_accounts(bench: Bench) -> None:
    """The four accounts, Allegro tokens saved, listings mapped."""
    for name, site in SITES.items():
        credentials = {"api_key": WIX_KEY, "site_id": site, "account_id": f"acc-{name}"}
        record = await create_account(
            NewAccount(
                marketplace="wix", name=name, credentials=credentials, source_warehouses=["A"]
            )
        )
        bench.accounts[name] = record.id
    for name in SELLERS:
        record = await create_account(
            NewAccount(
                marketplace="allegro", name=name, credentials=CLIENT, source_warehouses=["A"]
            )
        )
        await save_allegro_tokens(
            record.id,
            access_token=f"access-token-{name}",
            refresh_token=f"refresh-token-{name}",
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        )
        bench.accounts[name] = record.id
    for name in bench.accounts:
        await insert_listings(bench, name)


async def clear_redis(pool: ArqRedis) -> None:
    """Drop the job ids, run state and rate windows an earlier bench run left.

    Run ids restart at 1 with every temporary database, so a stale `arq:job:sync_run:1` would
    swallow the new run. The bench uses a Redis database of its own (`REDIS_DB`); the demo uses
    0 and the test runs claim 8-15.
    """
    for pattern in ("arq:*", "stockbridge:*", "ratelimit:*", "bench:*"):
        keys = [key async for key in pool.scan_iter(match=pattern)]
        if keys:
            await pool.delete(*keys)


async def build(products: int, time_scale: float) -> Bench:
    """Sandboxes, connectors, catalogue and accounts; the arq pool on a queue of its own."""
    settings = get_settings()
    wix_app = create_wix_sandbox(wix_config(products, time_scale))
    allegro_app = create_allegro_sandbox(allegro_config(time_scale), allegro_seed(products))
    await warm(SandboxTransport(wix_app))
    meter = MeterTransport(SandboxTransport(wix_app))
    allegro_meter = MeterTransport(SandboxTransport(allegro_app))
    allegro_meter.log = meter.log
    queue = f"bench:sync:{uuid.uuid4().hex}"
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url), default_queue_name=queue)
    await clear_redis(pool)
    bench = Bench(
        pool=pool,
        queue=queue,
        wix_app=wix_app,
        allegro_app=allegro_app,
        meter=meter,
        wix=WixConnector(settings, pool, transport=meter, time_scale=time_scale),
        allegro=AllegroConnector(
            settings,
            pool,
            transport=allegro_meter,
            time_scale=time_scale,
            polling=polling(time_scale),
        ),
    )
    await insert_catalogue(products)
    await add_accounts(bench)
    return bench


async def change_stock(products: int, share: float) -> int:
    """Change `share` of the products' stock in bulk (every k-th SKU, +3); returns how many."""
    step = max(1, round(1 / share))
    skus = [sku_of(n) for n in range(1, products + 1, step)]
    await fetch(
        "UPDATE stock SET quantity = quantity + 3, updated_at = now() "
        "WHERE product = ANY({}::text[])",
        skus,
    )
    return len(skus)
