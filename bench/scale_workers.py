"""The worker side of the scale bench (`bench/scale.py`): full syncs in 1, 2, 4 worker processes.

The four accounts of the sync bench (`bench/sync_setup.py`: Wix V1 and V3 sites, two Allegro
sellers under one Client ID) over sandboxes with their real limits (time scale 1), built in this
process and served over HTTP by uvicorn on free ports, so the workers are real
`python -m arq worker.settings.WorkerSettings` processes reaching them like marketplaces. For each
worker count: 5 % of stock changes (bulk SQL), the workers start, a full sync is queued and its
wall time (queued → `sync_run` COMPLETED), stored requests and the workers' RSS (idle; peak of
the largest and of their sum, sampled every 0.5 s) are taken; then the workers stop. They
share only PostgreSQL and Redis (queue, rate windows, SKU locks).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn
from arq import create_pool
from arq.connections import RedisSettings
from scale_api import rss_kib
from soak_procs import ROOT, free_port, stop
from sync_setup import build, change_stock

from server import jobs
from server.domain.db import fetch_one

RUN_LIMIT_S = 900.0


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals alone (it shares the bench's event loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install nothing."""
        yield


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app on a free port in this loop; yield its base URL."""
    port = free_port()
    server = _QuietServer(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn sets a flag, it offers no event)
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def wait_run(run_id: int) -> dict[str, Any]:
    """Poll `sync_run` until the run has finished (or `RUN_LIMIT_S` passed); its row."""
    deadline = time.monotonic() + RUN_LIMIT_S
    while True:
        row = await fetch_one("SELECT status, requests FROM sync_run WHERE id = {}", run_id)
        if (row and row["status"] in ("COMPLETED", "FAILED")) or time.monotonic() > deadline:
            return dict(row or {})
        await asyncio.sleep(0.25)


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen[bytes]]:
    """`count` arq worker processes, each in a session of its own, output discarded."""
    return [
        subprocess.Popen(
            [sys.executable, "-m", "arq", "worker.settings.WorkerSettings"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(count)
    ]


async def one_count(env: dict[str, str], count: int, products: int) -> dict[str, Any]:
    """Change 5 % of stock, run a full sync in `count` worker processes; its figures."""
    changed = await change_stock(products, 0.05)
    workers = start_workers(env, count)
    pool = await create_pool(RedisSettings.from_dsn(env["REDIS_URL"]))
    try:
        await asyncio.sleep(4.0)  # imports and the first poll, so the wall time is the sync's
        idle = max(rss_kib(w.pid) for w in workers)
        peak = peak_sum = 0
        started = time.monotonic()
        run_id = await jobs.start_sync(pool, trigger="api", scope="all")
        waiting = asyncio.create_task(wait_run(run_id))
        while not waiting.done():
            sizes = [rss_kib(w.pid) for w in workers if w.poll() is None]
            peak, peak_sum = max([peak, *sizes]), max(peak_sum, sum(sizes))
            await asyncio.sleep(0.5)
        row = waiting.result()
        wall = time.monotonic() - started
    finally:
        await pool.aclose()
        for worker in workers:
            stop(worker, timeout=10.0)
    return {
        "workers": count,
        "products": products,
        "changed": changed,
        "status": row.get("status"),
        "wall_s": round(wall, 1),
        "requests": row.get("requests"),
        "worker_rss_idle_mib": round(idle / 1024, 1),
        "worker_rss_peak_mib": round(peak / 1024, 1),
        "workers_rss_peak_sum_mib": round(peak_sum / 1024, 1),
    }


async def worker_counts(
    env: dict[str, str], products: int, counts: list[int]
) -> list[dict[str, Any]]:
    """Build the catalogue and sandboxes, serve them, one full sync per worker count."""
    bench = await build(products, 1.0)
    await bench.pool.aclose()
    results = []
    async with serve(bench.wix_app) as wix, serve(bench.allegro_app) as allegro:
        env = {**env, "WIX_API_URL": wix, "ALLEGRO_API_URL": allegro, "ALLEGRO_AUTH_URL": allegro}
        for count in counts:
            figures = await one_count(env, count, products)
            print(f"  {count} worker(s): {figures}", flush=True)
            results.append(figures)
    return results
