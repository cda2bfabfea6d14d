"""Ledger throughput: concurrent writers doing receipts, sales, transfers and adjustments.

On a fresh temporary database (migrated, two warehouses, PRODUCTS products with opening stock),
WRITERS async writers share a pool and run OPERATIONS ledger calls in all, a random mix, through
`server.domain.ledger`. Prints operations/s, p50/p95 latency per operation and the number of sales
or transfers refused for lack of stock, then checks the ledger invariant: for every product and
warehouse, stock.quantity equals the sum of its operation deltas. Figures go to
bench/results/ledger.json; the exit code is 1 if the invariant does not hold.

Run: `make bench-ledger`, or `python bench/ledger.py --writers 8 --operations 4000`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from server.devtools.prepare import make_piccolo_conf_importable, migrate, secret_key
from server.devtools.services import ensure_redis, origins, temporary_database
from server.domain.db import engine, fetch_one
from server.domain.ledger import adjust, receive, sell, transfer
from server.domain.products import NewProduct, create_product
from server.domain.refs import Actor
from server.domain.warehouses import create_warehouse
from server.errors import InsufficientStockError

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "ledger.json"
ACTOR = Actor(email="bench", source="system")
MIX = {"receive": 25, "sell": 45, "transfer": 20, "adjust": 10}
INVARIANT_SQL = """
SELECT count(*) AS broken FROM (
    SELECT s.product AS sku, w.code, s.quantity FROM stock s JOIN warehouse w ON w.id = s.warehouse
) held FULL JOIN (
    SELECT sku, warehouse_code AS code, SUM(quantity_delta) AS total FROM operation
    WHERE warehouse_code IS NOT NULL GROUP BY sku, warehouse_code
) logged USING (sku, code)
WHERE COALESCE(held.quantity, 0) <> COALESCE(logged.total, 0) OR held.quantity < 0
"""


async def setup(products: int) -> list[str]:
    """Migrate, create warehouses A and B and the products, each with opening stock in A."""
    await migrate()
    await create_warehouse("A", "Main warehouse")
    await create_warehouse("B", "Overflow")
    skus = [f"BENCH-{n:05d}" for n in range(1, products + 1)]

    async def make(sku: str) -> None:
        await create_product(NewProduct(sku=sku, name=f"Bench item {sku}"), actor=ACTOR)
        await receive(sku, "A", 50, actor=ACTOR, reason="Opening stock")

    for start in range(0, len(skus), 20):
        await asyncio.gather(*(make(sku) for sku in skus[start : start + 20]))
    return skus


async def one_operation(rng: random.Random, skus: list[str]) -> None:
    """A random ledger call; sales and transfers may be refused for lack of stock."""
    kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    sku, source = rng.choice(skus), rng.choice(("A", "B"))
    if kind == "receive":
        await receive(sku, source, rng.randint(1, 20), actor=ACTOR)
    elif kind == "sell":
        await sell(sku, source, rng.randint(1, 5), actor=ACTOR)
    elif kind == "transfer":
        target = "B" if source == "A" else "A"
        await transfer(sku, source, target, rng.randint(1, 10), actor=ACTOR)
    else:
        await adjust(sku, source, rng.randint(0, 60), reason="Bench count", actor=ACTOR)


async def writer(seed: int, skus: list[str], count: int, latencies: list[float]) -> int:
    """Run `count` operations; return how many were refused for insufficient stock."""
    rng = random.Random(seed)
    refused = 0
    for _ in range(count):
        started = time.perf_counter()
        try:
            await one_operation(rng, skus)
        except InsufficientStockError:
            refused += 1
        latencies.append(time.perf_counter() - started)
    return refused


async def run(writers: int, operations: int, products: int) -> dict[str, Any]:
    """Set up, run the writers, check the invariant; return the figures."""
    db = engine()
    await db.start_connection_pool(min_size=writers, max_size=writers + 2)
    try:
        skus = await setup(products)
        latencies: list[float] = []
        shares = [operations // writers + (i < operations % writers) for i in range(writers)]
        started = time.perf_counter()
        refused = await asyncio.gather(
            *(writer(i, skus, share, latencies) for i, share in enumerate(shares))
        )
        seconds = time.perf_counter() - started
        check = await fetch_one(INVARIANT_SQL)
    finally:
        await db.close_connection_pool()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "writers": writers,
        "operations": operations,
        "products": products,
        "seconds": round(seconds, 3),
        "ops_per_s": round(operations / seconds, 1),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "insufficient_stock_refusals": sum(refused),
        "invariant_ok": check is not None and check["broken"] == 0,
    }


def main() -> int:
    """Parse options, run in a temporary database, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--operations", type=int, default=4000)
    parser.add_argument("--products", type=int, default=200)
    args = parser.parse_args()
    make_piccolo_conf_importable()
    os.environ["REDIS_URL"] = ensure_redis()  # the settings require one; the ledger does not use it
    os.environ["SECRET_KEY"] = secret_key()
    with temporary_database("stockbridge_bench") as dsn:
        os.environ["DATABASE_URL"] = dsn
        figures = asyncio.run(run(args.writers, args.operations, args.products))
    print(f"PostgreSQL: {origins.get('postgres', '?')}")
    for name, value in figures.items():
        print(f"{name:>28}: {value}")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if figures["invariant_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
