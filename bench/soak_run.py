"""The soak itself, once its processes run and the environment points at them (`bench/soak.py`).

Set-up and each account's first order import without faults (so its order cursor starts
before any order), a first full sync, then the chaos phase: stock operations, orders,
order imports every few seconds and a full sync now and then, under sandbox faults, while
`soak_chaos` kills workers, restarts Redis and drops database connections. Then the faults stop,
imports run until every order is accounted for, one reconciliation runs, the runs whose jobs
were lost are closed as the cron's closer would, and the checks of `soak_check` give the figures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from soak_chaos import Chaos
from soak_check import (
    deductions,
    invariant_broken,
    locks_left,
    open_runs,
    records,
    wrong_listings,
)
from soak_load import Load, order_targets, sleep_unless
from soak_setup import CHAOS_FAULTS, clear_faults, prepare_database, set_faults

from server import jobs
from server.devtools.demo_accounts import demo_accounts
from server.domain.db import engine, fetch, fetch_one
from server.orders.jobs import start_order_import

NOW = dt.timedelta(0)
"""The closer's age once everything is idle: the cron waits 10 min, which the soak compresses.
A run whose jobs the Redis restart lost must then be closed FAILED, not left RUNNING."""
RUN_TIMEOUT_S = 300.0
IMPORT_EVERY_S = 4.0
TIMEOUT_SLEEP_S = 6.0
"""An injected timeout outlasts the workers' `SYNC_TIMEOUT_SECONDS` (5 s in the soak)."""


@dataclass
class SoakConfig:
    """How long and how hard."""

    seconds: float
    stock_every_s: float = 0.15
    order_every_s: float = 0.8
    cancel_share: float = 0.25
    full_syncs: int = 4
    seed: int = 8
    products: int = 500


def addresses() -> dict[str, str]:
    """Account name → Wix site id or Allegro seller login."""
    found = {}
    for spec in demo_accounts():
        site = spec.credentials.get("site_id")
        found[spec.name] = site or spec.name.removeprefix("Allegro · ")
    return found


async def wait_run(run_id: int, limit_s: float = RUN_TIMEOUT_S) -> str:
    """Wait until a sync run has finished; its status (or the open one after `limit_s`)."""
    deadline = time.monotonic() + limit_s
    while True:
        row = await fetch_one("SELECT status FROM sync_run WHERE id = {}", run_id)
        status = str(row["status"]) if row else "MISSING"
        if status in ("COMPLETED", "FAILED") or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.5)


async def wait_idle(arq: ArqRedis, limit_s: float = RUN_TIMEOUT_S) -> bool:
    """Wait until no job is queued or running three checks in a row; False after `limit_s`."""
    deadline, quiet = time.monotonic() + limit_s, 0
    while time.monotonic() < deadline:
        queued = await arq.zcard("arq:queue")
        # arq keeps a cron job's in-progress key after it ran (so no other worker repeats it).
        keys = [key async for key in arq.scan_iter(match="arq:in-progress:*")]
        running = [key for key in keys if not key.startswith(b"arq:in-progress:cron:")]
        quiet = quiet + 1 if not queued and not running else 0
        if quiet >= 3:
            return True
        await asyncio.sleep(0.5)
    return False


async def repeat(stop: asyncio.Event, every_s: float, action: Any, load: Load, name: str) -> None:
    """Call `action()` every `every_s` until `stop`; errors (Redis away) are counted, retried."""
    while not stop.is_set():
        try:
            await action()
        except Exception as error:
            load.counts[f"{name}:{type(error).__name__}"] += 1
        await sleep_unless(stop, every_s)


async def chaos_phase(config: SoakConfig, load: Load, arq: ArqRedis, chaos: Chaos) -> float:
    """Load, imports and syncs under faults while the chaos schedule runs; seconds it took."""
    started = time.monotonic()
    stop = asyncio.Event()
    sync_every = config.seconds / max(1, config.full_syncs)
    tasks = [
        load.stock_loop(stop, config.stock_every_s),
        load.orders_loop(stop, config.order_every_s, config.cancel_share),
        repeat(stop, IMPORT_EVERY_S, lambda: start_order_import(arq), load, "import"),
        repeat(stop, sync_every, lambda: start_full(arq, "api"), load, "sync"),
        chaos.schedule(stop, config.seconds),
    ]
    running = [asyncio.create_task(task) for task in tasks]
    await asyncio.sleep(config.seconds)
    stop.set()
    await asyncio.gather(*running)
    return time.monotonic() - started


async def drain_imports(arq: ArqRedis, load: Load, limit_s: float = RUN_TIMEOUT_S) -> None:
    """Import until every placed order's deductions are in, or three rounds change nothing."""
    deadline, last, still = time.monotonic() + limit_s, None, 0
    while time.monotonic() < deadline and still < 3:
        await start_order_import(arq)
        await wait_idle(arq, limit_s=90)
        double, missing = await deductions(load.orders)
        print(f"  imports: {len(double)} double, {len(missing)} missing, e.g. {missing[:2]}")
        if not missing:
            return
        still = still + 1 if (double, missing) == last else 0
        last = (double, missing)


async def run_soak(config: SoakConfig, chaos: Chaos, urls: dict[str, str]) -> dict[str, Any]:
    """Set up, soak, settle, reconcile and check; returns the figures."""
    started = time.monotonic()
    await engine().start_connection_pool(min_size=2, max_size=10)
    arq = await create_pool(RedisSettings.from_dsn(chaos.redis.url))
    try:
        accounts = await prepare_database(chaos.redis.url, config.products)
        targets = await order_targets(accounts, addresses())
        skus = [str(r["sku"]) for r in await fetch("SELECT sku FROM product ORDER BY sku")]
        load = Load(skus, targets, urls, random.Random(config.seed))
        chaos.start_workers()
        print(f"set-up: {time.monotonic() - started:.0f} s")
        await start_order_import(arq)  # each account's order cursor starts before any order
        await wait_idle(arq)
        await start_full(arq, "api")  # runs on into the chaos phase
        print(f"first imports done: {time.monotonic() - started:.0f} s")
        for url in urls.values():
            set_faults(url, CHAOS_FAULTS, TIMEOUT_SLEEP_S)
        seconds = await chaos_phase(config, load, arq, chaos)
        print(f"chaos phase: {seconds:.0f} s, {dict(load.counts)}, {chaos.events}")
        for url in urls.values():
            clear_faults(url)
        chaos.revive_workers()
        await drain_imports(arq, load)
        print(f"imports drained: {time.monotonic() - started:.0f} s")
        status = await wait_run(await start_full(arq, "cron"))
        print(f"reconciliation: {status}; idle: {await wait_idle(arq)}")
        chaos.events["abandoned_runs_closed"] = len(await jobs.close_abandoned_runs(arq, age=NOW))
        print(f"settled: {time.monotonic() - started:.0f} s")
        return await figures(load, targets, urls, arq, seconds, status, chaos)
    finally:
        await arq.aclose()
        await close_pool()


async def close_pool() -> None:
    """Close the database pool; terminate it if a connection was never given back."""
    try:
        await asyncio.wait_for(engine().close_connection_pool(), timeout=15)
    except TimeoutError:
        print("soak: a database connection was never released; pool terminated")
        pool = engine().pool
        if pool is not None:
            pool.terminate()


async def start_full(arq: ArqRedis, trigger: Any) -> int:
    """A full sync of every account."""
    return await jobs.start_sync(arq, trigger=trigger, scope="all")


async def figures(
    load: Load,
    targets: Any,
    urls: dict[str, str],
    arq: ArqRedis,
    seconds: float,
    status: str,
    chaos: Chaos,
) -> dict[str, Any]:
    """The soak's figures (the first seven are those `bench/results/soak.json` promises)."""
    double, missing = await deductions(load.orders)
    wrong = await wrong_listings(targets, urls)
    return {
        "duration_s": round(seconds, 1),
        "total_s": round(time.monotonic() - chaos.started, 1),
        "operations": load.counts["operations"],
        "orders": len(load.orders),
        "wrong_listings": len(wrong),
        "double_deductions": len(double),
        "missing_deductions": len(missing),
        "locks_left": await locks_left(arq),
        "invariant_broken": await invariant_broken(),
        "runs_left_open": len(await open_runs()),
        "reconciliation": status,
        "cancelled_orders": sum(1 for o in load.orders if o.cancelled),
        "refusals": {k: v for k, v in load.counts.items() if k != "operations"},
        "chaos": chaos.events,
        "records": await records(),
        "open_runs": await open_runs(),
        "examples": {"wrong": wrong[:5], "double": double[:5], "missing": missing[:5]},
    }
