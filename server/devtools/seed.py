"""Seed the demo catalogue: two warehouses, 500 products and their stock history.

Products, warehouses and every stock change go through the domain functions (`create_product`,
`create_warehouse`, and the ledger's receive/sell/transfer/adjust), so the operation log and the
ledger invariant hold exactly as they would for changes people make. Seeding is skipped when the
catalogue already has products, so running it twice changes nothing.

Needs a migrated database and, for speed, a started connection pool (see `server.devtools.demo`).
"""

from __future__ import annotations

import asyncio
import random
import time

import msgspec

from server.devtools.catalogue import WAREHOUSES, DemoProduct, Step, history, products
from server.domain.db import fetch_one
from server.domain.ledger import adjust, receive, sell, transfer
from server.domain.products import NewProduct, create_product
from server.domain.refs import Actor
from server.domain.warehouses import create_warehouse, list_warehouses

DEMO_PRODUCTS = 500
CONCURRENCY = 8
SEED_ACTOR = Actor(email="demo-seed", source="system")


class SeedReport(msgspec.Struct, kw_only=True):
    """What a seeding run did."""

    warehouses_created: int
    products_created: int
    operations: int
    seconds: float
    skipped: bool


async def ensure_warehouses() -> int:
    """Create the demo warehouses that are missing; return how many were created."""
    existing = {w.code for w in await list_warehouses()}
    missing = [(code, name) for code, name in WAREHOUSES if code not in existing]
    for code, name in missing:
        await create_warehouse(code, name)
    return len(missing)


async def _apply(sku: str, step: Step, number: int, actor: Actor) -> None:
    if step.kind == "receive":
        await receive(sku, step.warehouse, step.quantity, actor=actor, reason="Delivery")
    elif step.kind == "sell":
        key = f"demo-seed:{sku}:{number}"
        await sell(sku, step.warehouse, step.quantity, actor=actor, idempotency_key=key)
    elif step.kind == "transfer":
        await transfer(sku, step.warehouse, step.target, step.quantity, actor=actor)
    else:
        await adjust(sku, step.warehouse, step.quantity, reason="Stock count", actor=actor)


async def _seed_product(
    item: DemoProduct, steps: list[Step], actor: Actor, gate: asyncio.Semaphore
) -> int:
    async with gate:
        new = NewProduct(
            sku=item.sku,
            name=item.name,
            ean=item.ean,
            description=item.description,
            attributes={"category": item.category},
        )
        await create_product(new, actor=actor)
        for number, step in enumerate(steps):
            await _apply(item.sku, step, number, actor)
    return len(steps)


async def seed_demo(
    count: int = DEMO_PRODUCTS, *, seed: int = 2026, actor: Actor = SEED_ACTOR
) -> SeedReport:
    """Create the demo warehouses and catalogue unless products exist already."""
    started = time.perf_counter()
    warehouses = await ensure_warehouses()
    row = await fetch_one("SELECT EXISTS (SELECT 1 FROM product) AS any")
    if row is not None and row["any"]:
        return SeedReport(
            warehouses_created=warehouses,
            products_created=0,
            operations=0,
            seconds=time.perf_counter() - started,
            skipped=True,
        )
    rng = random.Random(seed)
    plans = [(item, history(rng)) for item in products(count, seed)]
    gate = asyncio.Semaphore(CONCURRENCY)
    done = await asyncio.gather(*(_seed_product(item, s, actor, gate) for item, s in plans))
    return SeedReport(
        warehouses_created=warehouses,
        products_created=len(plans),
        operations=sum(done),
        seconds=time.perf_counter() - started,
        skipped=False,
    )
