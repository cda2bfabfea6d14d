"""Sync engine: requests, wall time and change → marketplace latency over four accounts.

A catalogue of PRODUCTS SKUs is mapped 1:1 to four accounts on in-process sandboxes with their
real limits, optionally time-scaled (`--time-scale`; the client limiters get the same value,
default 1: real time): a Wix V1 site,
a Wix V3 site and two Allegro sellers under one Client ID (see `bench/sync_setup.py`). An initial
full sync confirms everything is in line; then 5 % of stock is changed (bulk SQL, +3 units) and
one full sync runs in two burst arq workers in-process. Per account it prints the requests by
endpoint, the wall time (sync start → the account's last request) and:

- `min_requests` = read pages + writes + command polls, as issue 4 defines the target:
  read pages are ⌈listings ÷ page size⌉ (Wix V1 products 100, Wix V3 inventory items 1,000,
  Allegro offers 1,000); writes are ⌈changed ÷ batch limit⌉ (Wix V1 300 per increment and per
  decrement request, counted separately; Wix V3 1,000), and for Allegro, whose quantity commands
  set one value for all their offers, Σ over distinct target values of ⌈offers ÷ 1,000⌉; command
  polls are one per Allegro command (at least one read to confirm it).
- `bound_s` = the time those requests need at the scaled rate limit: Wix 200/min per site;
  Allegro 9,000 requests/min per Client ID, shared by both sellers (so the pair's requests count),
  or 9,000 offer changes/min per seller if that is slower, plus one scaled command delay.
- `baseline_requests`: the seed's per-SKU approach, a read and a write per listing (2 x listings
  per account, all accounts).

Why real time: wall/bound is only about the rate limits when the bound is well above what a run
costs whatever the limits (worker start and planning, about 0.5 s at 10k and several seconds at
100k; a 2 s lock retry, `LOCK_RETRY_DEFER_S`, when accounts' batches meet on a SKU; Allegro's 2 s
command processing). At 100k x 4 in real time the bounds are 305 s (Wix V1), 31.5 s (V3) and
35 s (Allegro); at 60x they were 0.5-5 s, below those fixed costs, so the ratio measured them.
Each account also reports when its read pass ended and its first write went out
(`reads_end_s`, `first_write_s`): the gap is planning plus waiting for SKU locks.
`run_requests` is `sync_run.requests` as stored (read pass included), for comparison with
`requests_total`, counted at the transport.

Then the latency phase: a non-burst worker runs, stock changes go through the ledger (so the
`on_stock_changed` hook queues `sync_product`) at `--rate` changes/s over `--hot` SKUs for
`--seconds`, and each change's latency is the time until all four sandboxes show the SKU's new
quantity (read from the sandboxes' in-process state). Figures go to bench/results/sync.json.

Run: `make bench-sync` (`ARGS="--products 10000"` for a quick run), or `python bench/sync.py`;
`--seconds 0` skips the latency phase. Redis database 7 is the bench's own (`REDIS_DB`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sync_latency import measure_latency
from sync_setup import REDIS_DB, Bench, build, change_stock, quantity_of
from sync_transport import SELLERS, SITES

from server import jobs
from server.devtools.prepare import make_piccolo_conf_importable, migrate, secret_key
from server.devtools.services import ensure_redis, origins, temporary_database
from server.domain.db import engine, fetch_one
from server.sync.engine import ROUNDS_AT_ONCE

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "sync.json"
WIX_PER_MIN = 200
ALLEGRO_PER_MIN = 9000
ALLEGRO_CHANGES_PER_MIN = 9000
ALLEGRO_COMMAND_DELAY_S = 2.0
PAGE = {"wix-v1": 100, "wix-v3": 1000, "allegro-1": 1000, "allegro-2": 1000}
WRITE_LIMIT = {"wix-v1": 300, "wix-v3": 1000}


async def full_sync(bench: Bench, workers: int) -> tuple[float, float, int]:
    """One sync of all accounts in `workers` burst workers: (start, seconds, stored requests)."""
    started = time.monotonic()
    run_id = await jobs.start_sync(bench.pool, trigger="api", scope="all")
    pool = [bench.worker(burst=True) for _ in range(workers)]
    await asyncio.gather(*(w.main() for w in pool))
    for w in pool:
        await w.close()
    run = await fetch_one(
        "SELECT status, planned, pushed, requests FROM sync_run WHERE id = {}", run_id
    )
    print(f"  run {run_id}: {run}")
    return started, time.monotonic() - started, int(run["requests"]) if run else 0


def phases(bench: Bench, name: str, since: float, pages: int) -> dict[str, float | None]:
    """When the account's read pass (its first `pages` page reads) ended and its first write went
    out, in s after `since`; the gap is planning plus waiting for SKU locks."""
    log = [(e, round(t - since, 3)) for a, e, t in bench.meter.log if a == name and t >= since]
    reads = [t for e, t in log if e.endswith("/query") or e == "GET /sale/offers"]
    writes = [t for e, t in log if not (e.startswith("GET") or e.endswith("/query"))]
    return {
        "reads_end_s": reads[min(pages, len(reads)) - 1] if reads else None,
        "first_write_s": min(writes) if writes else None,
    }


def min_requests(name: str, products: int, changed_targets: Counter[int]) -> dict[str, int]:
    """The issue's minimum for one account: read pages, writes and command polls."""
    changed = sum(changed_targets.values())
    reads = math.ceil(products / PAGE[name])
    if name in WRITE_LIMIT:
        return {"reads": reads, "writes": math.ceil(changed / WRITE_LIMIT[name]), "polls": 0}
    commands = sum(math.ceil(count / 1000) for count in changed_targets.values())
    return {"reads": reads, "writes": commands, "polls": commands}


def bound_s(name: str, needed: dict[str, dict[str, int]], changed: int, scale: float) -> float:
    """Seconds the needed requests take at the scaled rate limit (see the module docstring)."""
    if name in SITES:
        return sum(needed[name].values()) / (WIX_PER_MIN / 60 * scale)
    pair = sum(sum(needed[n].values()) for n in SELLERS)
    requests_s = pair / (ALLEGRO_PER_MIN / 60 * scale)
    changes_s = changed / (ALLEGRO_CHANGES_PER_MIN / 60 * scale)
    return max(requests_s, changes_s) + ALLEGRO_COMMAND_DELAY_S / scale


def account_figures(
    bench: Bench, since: float, products: int, changed: list[int], scale: float
) -> list[dict[str, Any]]:
    """Per account: requests by endpoint, the minimum, wall time and bound."""
    targets = Counter(quantity_of(n) + 3 for n in changed)
    needed = {name: min_requests(name, products, targets) for name in bench.accounts}
    result = []
    for name in bench.accounts:
        endpoints = bench.meter.by_endpoint(name, since)
        bound = bound_s(name, needed, len(changed), scale)
        result.append(
            {
                "name": name,
                "requests": sum(endpoints.values()),
                "min_requests": sum(needed[name].values()),
                "min_parts": needed[name],
                "wall_s": round(bench.meter.span(name, since), 3),
                "bound_s": round(bound, 3),
                "wall_over_bound": round(bench.meter.span(name, since) / bound, 2),
                **phases(bench, name, since, needed[name]["reads"]),
                "endpoints": dict(endpoints.most_common()),
            }
        )
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build, sync in full twice (in line, then after 5 % changes), measure the latency."""
    db = engine()
    await db.start_connection_pool(min_size=4, max_size=20)
    try:
        started = time.monotonic()
        await migrate()
        bench = await build(args.products, args.time_scale)
        bench.lock_retry_s = args.lock_retry
        bench.rounds_at_once = args.rounds_at_once
        print(f"set-up: {time.monotonic() - started:.1f} s")
        _, seconds, _ = await full_sync(bench, args.workers)
        print(f"initial full sync: {seconds:.1f} s")
        changed = await change_stock(args.products, args.share)
        since, seconds, stored = await full_sync(bench, args.workers)
        print(f"measured full sync ({changed} SKUs changed): {seconds:.1f} s")
        step = max(1, round(1 / args.share))
        accounts = account_figures(
            bench, since, args.products, list(range(1, args.products + 1, step)), args.time_scale
        )
        latencies: list[float] = []
        unresolved = 0
        if args.seconds > 0:
            found = await measure_latency(bench, args.rate, args.hot, args.seconds)
            latencies, unresolved = found
        await bench.pool.aclose()
    finally:
        await db.close_connection_pool()
    return summary(args, accounts, (seconds, stored), latencies, unresolved)


def summary(
    args: argparse.Namespace,
    accounts: list[dict[str, Any]],
    run: tuple[float, int],
    latencies: list[float],
    unresolved: int,
) -> dict[str, Any]:
    """The figures as written to bench/results/sync.json."""
    cuts: list[float | None] = [None] * 99  # no latency phase (`--seconds 0`)
    if len(latencies) > 1:
        cuts = [round(cut, 3) for cut in statistics.quantiles(latencies, n=100)]
    return {
        "products": args.products,
        "time_scale": args.time_scale,
        "changed_share": args.share,
        "workers": args.workers,
        "lock_retry_s": args.lock_retry,
        "rounds_at_once": args.rounds_at_once,
        "full_sync_s": round(run[0], 3),
        "accounts": accounts,
        "baseline_requests": 2 * args.products * len(accounts),
        "requests_total": sum(a["requests"] for a in accounts),
        "run_requests": run[1],
        "latency_changes": len(latencies),
        "latency_unresolved": unresolved,
        "latency_p50_s": cuts[49],
        "latency_p95_s": cuts[94],
    }


def show(figures: dict[str, Any]) -> None:
    """Print the figures, each account against its targets."""
    print(f"PostgreSQL: {origins.get('postgres', '?')}; Redis: {origins.get('redis', '?')}")
    for a in figures["accounts"]:
        ratio = a["wall_s"] / a["bound_s"] if a["bound_s"] else math.inf
        print(
            f"\n{a['name']}: {a['requests']} requests (min {a['min_requests']} {a['min_parts']}), "
            f"wall {a['wall_s']} s, bound {a['bound_s']} s, wall/bound {ratio:.2f}; "
            f"read pass ended {a['reads_end_s']} s, first write {a['first_write_s']} s"
        )
        for endpoint, count in a["endpoints"].items():
            print(f"    {count:>7}  {endpoint}")
    print()
    for key in ("baseline_requests", "requests_total", "run_requests", "full_sync_s"):
        print(f"{key:>20}: {figures[key]}")
    for key in ("latency_changes", "latency_unresolved", "latency_p50_s", "latency_p95_s"):
        print(f"{key:>20}: {figures[key]}")


def main() -> int:
    """Parse options, run in a temporary database, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="speed-up of limits and delays (see above)"
    )
    parser.add_argument("--share", type=float, default=0.05, help="share of stock changed")
    parser.add_argument(
        "--lock-retry", type=float, default=2.0, help="s a batch waits for locked SKUs"
    )
    parser.add_argument("--workers", type=int, default=2, help="in-process arq workers")
    parser.add_argument(
        "--rounds-at-once",
        type=int,
        default=ROUNDS_AT_ONCE,
        help="event rounds one drain job runs at once (the worker's default)",
    )
    parser.add_argument("--rate", type=float, default=100.0, help="stock changes per second")
    parser.add_argument("--hot", type=int, default=1000, help="SKUs the changes hit")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of the change run (0: skip)"
    )
    args = parser.parse_args()
    logging.disable(logging.INFO if not os.environ.get("BENCH_LOG") else logging.NOTSET)
    make_piccolo_conf_importable()
    os.environ["REDIS_URL"] = ensure_redis(db=REDIS_DB)
    os.environ["SECRET_KEY"] = secret_key()
    with temporary_database("stockbridge_bench_sync") as dsn:
        os.environ["DATABASE_URL"] = dsn
        figures = asyncio.run(run(args))
    show(figures)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
