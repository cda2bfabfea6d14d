"""Order import under faults: 10,000 order lines over 2 Allegro sellers and 1 Wix site.

On a fresh temporary database, in-process sandboxes (`orders_setup`) get orders of 1-3 lines
spread evenly over the three accounts, with 30 % of events duplicated, 5 % of orders delivered out
of order, 2 % missing from the journal (Wix: webhook never sent) and 1 % cancelled, half before and
half after the first import round (`orders_place`). Then import rounds run as the cron would: each
round runs, for every account at once, two importers side by side (the locked one and, on
Allegro, one with `use_lock=False`, so only the database keys stand between them and a double
deduction; on Wix the second finds the account busy) while the Wix webhook deliveries run
`import_order_by_id`. Rounds go on until one deducts and restocks nothing, no delivery is left
and each Allegro cursor stands at its journal's last event (at least three rounds).

The truth is then read from the sandboxes and compared with the sale and operation rows
(`orders_check`). Prints lines/min (lines over the wall time of the import phase), double and
missing deductions, conflicts, requests per line by endpoint; writes `bench/results/orders.json`;
exits 1 on any double or missing deduction or a broken ledger invariant.

Run: `make bench-orders`, or `python bench/orders.py --lines 500` for a quick one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import time
from pathlib import Path
from typing import Any

from orders_check import check
from orders_place import Placement, cancel, place_all, take_deliveries
from orders_setup import SELLERS, OrdersBench, build

from server.devtools.prepare import make_piccolo_conf_importable, migrate, secret_key
from server.devtools.services import ensure_redis, origins, temporary_database
from server.domain.db import engine
from server.domain.orders import load_cursor
from server.orders import ImportOptions, ImportReport, import_account
from server.orders.wix_deps import WixImportDeps
from server.orders.wix_import import import_order_by_id

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "orders.json"
REDIS_DB = 6
"""The bench's Redis database: not the demo's (0), the sync bench's (7) nor the tests' (8-15)."""
MIN_ROUNDS = 3
MAX_ROUNDS = 40
WEBHOOK_WORKERS = 4


async def deliver_webhooks(bench: OrdersBench, order_ids: list[str]) -> int:
    """Run the webhook job for each delivery, `WEBHOOK_WORKERS` at a time; returns how many."""
    assert bench.deps.wix is not None
    deps = WixImportDeps(redis=bench.deps.redis, wix=bench.deps.wix)
    gate = asyncio.Semaphore(WEBHOOK_WORKERS)
    account_id = bench.accounts["wix"]

    async def one(order_id: str) -> None:
        async with gate:
            await import_order_by_id(deps, account_id, order_id)

    await asyncio.gather(*(one(order_id) for order_id in order_ids))
    return len(order_ids)


async def import_round(bench: OrdersBench, placement: Placement) -> list[ImportReport]:
    """Two importers per account at once, plus the queued Wix webhook deliveries."""
    calls = []
    for name, account_id in bench.accounts.items():
        second = ImportOptions(use_lock=False) if name in SELLERS else None
        calls.append(import_account(bench.deps, account_id))
        calls.append(import_account(bench.deps, account_id, second))
    reports, _ = await asyncio.gather(
        asyncio.gather(*calls), deliver_webhooks(bench, take_deliveries(placement))
    )
    return list(reports)


async def caught_up(bench: OrdersBench) -> bool:
    """Whether each Allegro account's cursor stands at its journal's last event."""
    store = bench.allegro_app.state.allegro.store
    for name, seller_id in SELLERS.items():
        journal = store.events.get(seller_id, [])
        cursor = await load_cursor(bench.accounts[name])
        if journal and cursor.event_id != journal[-1].id:
            return False
    return True


def quiet(reports: list[ImportReport]) -> bool:
    """Whether a round moved no stock and every importer that ran finished."""
    ran = [r for r in reports if r.status != "busy"]
    moved = sum(r.deducted + r.restocked for r in ran)
    return moved == 0 and all(r.status == "done" for r in ran)


async def import_phase(bench: OrdersBench, placement: Placement, rng: random.Random) -> int:
    """Rounds until nothing is left to import; the "after" cancellations follow round one."""
    rounds = 0
    while rounds < MAX_ROUNDS:
        reports = await import_round(bench, placement)
        rounds += 1
        if rounds == 1:
            for order in placement.orders:
                if order.cancel == "after":
                    await cancel(bench, rng, order, placement)
        if rounds >= MIN_ROUNDS and quiet(reports) and await caught_up(bench):
            break
    return rounds


async def measure(lines: int, products: int, time_scale: float, seed: int) -> dict[str, Any]:
    """Set up, place, import, check (database already migrated and its pool started)."""
    rng = random.Random(seed)
    bench = await build(products, time_scale)
    try:
        placement = await place_all(bench, rng, lines)
        started = time.perf_counter()
        rounds = await import_phase(bench, placement, rng)
        seconds = time.perf_counter() - started
        figures = await check(bench)
    finally:
        await bench.close()
    requests = sum(bench.meter.counts.values())
    return {
        "lines": figures.pop("lines"),
        "lines_per_min": round(lines / seconds * 60),
        "double_deductions": figures.pop("double_deductions"),
        "missing_deductions": figures.pop("missing_deductions"),
        **figures,
        "orders": len(placement.orders),
        "faults": dict(placement.faults),
        "import_rounds": rounds,
        "import_seconds": round(seconds, 2),
        "requests": requests,
        "requests_per_line": {
            endpoint: round(count / lines, 3)
            for endpoint, count in bench.meter.counts.most_common()
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate the temporary database, then measure."""
    db = engine()
    await db.start_connection_pool(min_size=4, max_size=16)
    try:
        await migrate()
        return await measure(args.lines, args.products, args.time_scale, args.seed)
    finally:
        await db.close_connection_pool()


def show(figures: dict[str, Any]) -> None:
    """Print the figures as a short table."""
    print(f"PostgreSQL: {origins.get('postgres', '?')}; Redis: {origins.get('redis', '?')}")
    for name, value in figures.items():
        if isinstance(value, dict):
            print(f"{name:>22}:")
            for key, item in value.items():
                print(f"{'':>24}{item:>9}  {key}")
        else:
            print(f"{name:>22}: {value}")


def failed(figures: dict[str, Any]) -> bool:
    """Whether a line was deducted twice or not at all, or the ledger invariant broke."""
    return bool(
        figures["double_deductions"] or figures["missing_deductions"] or not figures["invariant_ok"]
    )


def main() -> int:
    """Parse options, run in a temporary database, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    args = parser.parse_args()
    logging.disable(logging.WARNING if not os.environ.get("BENCH_LOG") else logging.NOTSET)
    make_piccolo_conf_importable()
    os.environ["REDIS_URL"] = ensure_redis(db=REDIS_DB)
    os.environ["SECRET_KEY"] = secret_key()
    with temporary_database("stockbridge_bench_orders") as dsn:
        os.environ["DATABASE_URL"] = dsn
        figures = asyncio.run(run(args))
    show(figures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if failed(figures) else 0


if __name__ == "__main__":
    raise SystemExit(main())
