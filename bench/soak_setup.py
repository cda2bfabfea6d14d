"""Set-up of the chaos soak: the database, the catalogue, the accounts and the sandbox faults.

The soak's database is migrated and seeded with the demo catalogue (warehouses A and B, products
`SB-00001`…), the four demo accounts (Wix V1 and V3 sites, two Allegro sellers) are created,
connected and auto-mapped against the sandbox process, and every account restocks on cancel.
Stock is raised so orders rarely run out. One full sync brings the sandboxes in line first.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from redis.asyncio import Redis

from server.connectors.factory import build_connectors
from server.devtools.demo_accounts import prepare_demo_accounts
from server.devtools.prepare import migrate
from server.devtools.seed import seed_demo
from server.domain.db import fetch
from server.domain.ledger import receive
from server.domain.refs import Actor
from server.settings import get_settings

PRODUCTS = 500
OPENING_FLOOR = 200
"""Units received into A for every product, so orders and sales rarely run short."""
SOAK_ACTOR = Actor(email="soak@example.com", source="manual")
CHAOS_FAULTS: dict[str, Any] = {
    "share_429": 0.20,
    "share_5xx": 0.05,
    "share_timeout": 0.02,
    "statuses_5xx": [500, 502, 503],
}


async def prepare_database(redis_url: str, products: int = PRODUCTS) -> dict[str, int]:
    """Migrate, seed, connect and auto-map the accounts; returns account name → id."""
    await migrate()
    await seed_demo(products)
    await raise_stock()
    redis = Redis.from_url(redis_url)
    try:
        summaries = await prepare_demo_accounts(build_connectors(get_settings(), redis))
    finally:
        await redis.aclose()
    await fetch("UPDATE marketplace_account SET restock_on_cancel = true")
    return {s.name: s.account_id for s in summaries}


async def raise_stock() -> None:
    """Receive `OPENING_FLOOR` units of every product into warehouse A, through the ledger."""
    rows = await fetch("SELECT sku FROM product ORDER BY sku")
    gate = asyncio.Semaphore(8)

    async def one(sku: str) -> None:
        async with gate:
            await receive(sku, "A", OPENING_FLOOR, actor=SOAK_ACTOR, reason="soak opening stock")

    await asyncio.gather(*(one(row["sku"]) for row in rows))


def set_faults(base_url: str, faults: dict[str, Any], timeout_sleep_s: float) -> None:
    """Replace a sandbox's fault settings through its admin API."""
    body = {**faults, "timeout_sleep_s": timeout_sleep_s}
    answer = httpx.put(f"{base_url}/_sandbox/faults", json=body, timeout=10, trust_env=False)
    answer.raise_for_status()


def clear_faults(base_url: str) -> None:
    """No faults any more."""
    set_faults(base_url, {}, 0.0)
