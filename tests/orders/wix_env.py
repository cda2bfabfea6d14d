"""Set-up shared by the Wix order-import tests (no tests here).

A Wix sandbox in-process (over `SandboxTransport`) with one V3 site, a Wix account auto-mapped to
it, products with 10 units each in warehouse A, and the import's dependencies on real Redis. The
sandbox's clock is the real time moved forward one second per order action, so every order has
its own `updatedDate`, later than the account's creation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from redis.asyncio import Redis

from server.connectors.wix import WixConnector
from server.domain import ledger
from server.domain.accounts import NewAccount, create_account, get_account
from server.domain.automap import automap
from server.domain.db import fetch, fetch_one
from server.marketplaces.retry import RetryPolicy
from server.orders.wix_deps import WixImportDeps
from server.orders.wix_mapping import parse_wix_time
from server.sandboxes.common import SandboxTransport
from server.sandboxes.wix import (
    WixProductSeed,
    WixSandboxConfig,
    WixSiteSeed,
    WixVariantSeed,
    create_wix_sandbox,
)
from server.settings import get_settings
from tests.integration.accounts_helpers import add_products
from tests.orders.helpers import ACTOR

KEY = "wix-orders-test-key-0001"
SITE = "33333333-3333-4333-8333-0000000000aa"
OTHER_APP = "14bcded7-0066-7c35-14d7-466cb3f09103"
"""A catalogue app that is not Wix Stores (gift cards, say)."""
OURS = ["MUG", "BOWL", "TS-S", "TS-M", "TS-L"]


async def no_sleep(seconds: float) -> None:
    """Back-off without waiting."""


class StepClock:
    """The sandbox's wall clock: real time at start, one second further on every `tick`."""

    def __init__(self) -> None:
        self.now = time.time() + 1.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += seconds


def catalogue() -> list[WixProductSeed]:
    """Two simple products, a T-shirt in three sizes, and an item only the shop has."""
    return [
        WixProductSeed(name="Mug", sku="MUG", quantity=10),
        WixProductSeed(name="Bowl", sku="BOWL", quantity=10),
        WixProductSeed(
            name="T-shirt",
            variants=[
                WixVariantSeed(sku=f"TS-{size}", choices={"Size": size}, quantity=10)
                for size in "SML"
            ],
        ),
        WixProductSeed(name="Shop-only poster", sku="POSTER", quantity=10),
    ]


@dataclass
class WixOrdersEnv:
    """The sandbox, its admin client, the account and the import's dependencies."""

    app: Any
    admin: httpx.AsyncClient
    clock: StepClock
    deps: WixImportDeps
    account_id: int
    headers: dict[str, str] = dataclasses.field(
        default_factory=lambda: {"Authorization": KEY, "wix-site-id": SITE}
    )

    async def place(self, *lines: dict[str, Any], status: str = "APPROVED") -> str:
        """Place an order on the site; returns its id."""
        self.clock.tick()
        answer = await self.admin.post(
            f"/_sandbox/sites/{SITE}/orders", json={"lines": list(lines), "status": status}
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    async def updated(self, order_id: str) -> dt.datetime | None:
        """The order's `updatedDate` as Get Order answers it."""
        answer = await self.admin.get(f"/ecom/v1/orders/{order_id}", headers=self.headers)
        return parse_wix_time(answer.json()["order"]["updatedDate"])

    async def act(self, order_id: str, action: str) -> dict[str, Any]:
        """Cancel or refund an order on the site (its `updatedDate` moves)."""
        self.clock.tick()
        answer = await self.admin.post(f"/_sandbox/sites/{SITE}/orders/{order_id}/{action}")
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def line(sku: str, quantity: int = 1) -> dict[str, Any]:
    """An order line by SKU."""
    return {"sku": sku, "quantity": quantity}


async def set_restock(account_id: int, restock: bool) -> None:
    """The account's `restock_on_cancel`."""
    await fetch(
        "UPDATE marketplace_account SET restock_on_cancel = {} WHERE id = {}", restock, account_id
    )


async def order_row(account_id: int, order_id: str) -> dict[str, Any]:
    """The order's `order_import` row with its lines' statuses, by line name."""
    row = await fetch_one(
        "SELECT id, state, status, failures FROM order_import "
        "WHERE account = {} AND external_id = {}",
        account_id,
        order_id,
    )
    assert row is not None, f"order {order_id} was not imported"
    lines = await fetch(
        'SELECT name, status, conflict_reason FROM order_line WHERE "order" = {} ORDER BY id',
        row["id"],
    )
    return {**row, "lines": lines}


async def _account(connector: WixConnector) -> int:
    await add_products(OURS)
    for sku in OURS:
        await ledger.receive(sku, "A", 10, actor=ACTOR)
    credentials = {"api_key": KEY, "site_id": SITE, "account_id": "acc-orders"}
    account = await create_account(
        NewAccount(marketplace="wix", name="Shop", credentials=credentials, source_warehouses=["A"])
    )
    await automap(account.id, await connector.fetch_items(await get_account(account.id)))
    return account.id


@asynccontextmanager
async def wix_orders_env() -> AsyncIterator[WixOrdersEnv]:
    """A fresh sandbox and a mapped account (needs the `warehouses` fixture)."""
    clock = StepClock()
    site = WixSiteSeed(site_id=SITE, api_key=KEY, catalog="V3_CATALOG", products=catalogue())
    app = create_wix_sandbox(WixSandboxConfig(sites=[site]), clock=clock)
    settings = get_settings()
    redis: Redis = Redis.from_url(settings.redis_url)
    connector = WixConnector(
        settings,
        redis,
        transport=SandboxTransport(app),
        retry=RetryPolicy(attempts=3, sleep=no_sleep),
    )
    admin = httpx.AsyncClient(transport=SandboxTransport(app), base_url="http://sandbox")
    for pattern in ("stockbridge:lock:orders:*", "stockbridge:webhook:*"):
        stale = [key async for key in redis.scan_iter(match=pattern)]
        if stale:  # account ids start at 1 in every test: forget earlier tests' locks and counts
            await redis.delete(*stale)
    try:
        account_id = await _account(connector)
        deps = WixImportDeps(redis=redis, wix=connector)
        yield WixOrdersEnv(app=app, admin=admin, clock=clock, deps=deps, account_id=account_id)
    finally:
        await admin.aclose()
        await redis.aclose()
