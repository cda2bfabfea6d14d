"""Scale: API latency, SSE fan-out and process memory at 100k products; full syncs in N workers.

Everything runs against a temporary PostgreSQL database and a private redis-server on a free
port (both gone at the end), with the web app as a real uvicorn process
(`python -m uvicorn server.app:create_app --factory`):

1. API latency: a catalogue of `--products` products (bulk SQL, `sync_setup.insert_catalogue`),
   an admin with a Bearer token (JSON API) and a session cookie (dashboard pages); `--requests`
   GETs per path with `--clients` in flight over as many connections (`scale_api.api_latency`):
   `/api/products` and `/products` (50 to a page, random offsets), the same two walked by keyset
   (`after=` a random SKU, then each page's next cursor, 20 pages a walk), `/api/products/{sku}`
   and `/products/{sku}` (random SKUs). p50/p99 and requests/s; the web process's RSS after.
   The catalogue is vacuumed and analysed after the bulk insert, as autovacuum would.
2. SSE: `--streams` open `/api/sync/events` streams, `--messages` progress updates published
   through `publish_progress`; how many streams got every one, delivery p50/p99 (publish →
   `data:` line read) and the web process's RSS before and with the streams open.
3./4. Workers (`scale_workers`, skipped with `--sync-products 0`): the sync bench's four accounts
   over real-limit sandboxes served over HTTP, `--sync-products` SKUs; a full sync after 5 %
   changes in 1, 2 and 4 `arq` worker processes: wall time, requests, worker RSS idle and peak.

The bench process is the load generator too and shares the machine's cores with the server,
PostgreSQL and Redis, so the latencies include its own scheduling. Figures go to
bench/results/scale.json.

Run: `make bench-scale` (`ARGS="--products 10000 --sync-products 0"` for a quick run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from scale_api import api_latency, product_paths, rss_kib, sse_fanout
from scale_workers import worker_counts
from soak_procs import ROOT, RedisServer, free_port, stop
from sync_setup import insert_catalogue

from server.devtools.prepare import make_piccolo_conf_importable, migrate
from server.devtools.services import temporary_database
from server.domain.auth import create_session, issue_api_token
from server.domain.db import engine, fetch
from server.domain.users import Role, create_user
from server.web.auth import SESSION_COOKIE

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "scale.json"
KEEP_ALIVE_S = 60
"""uvicorn's keep-alive timeout for the bench's web process (its default is 5 s)."""


async def seed(products: int) -> tuple[str, str]:
    """Migrate, insert the catalogue, create an admin; (Bearer token, session cookie)."""
    db = engine()
    await db.start_connection_pool(min_size=1, max_size=4)
    try:
        await migrate()
        await insert_catalogue(products)
        # What autovacuum does after a bulk load in any normal deployment (it is switched off on
        # the CI server): planner statistics and the visibility map for index-only scans.
        await fetch("VACUUM (ANALYZE) product, stock")
        user = await create_user("bench@example.com", secrets.token_urlsafe(16), Role.ADMIN)
        token, _ = await issue_api_token(user.id, "scale bench")
        cookie, _ = await create_session(user.id, timedelta(hours=4))
    finally:
        await db.close_connection_pool()
    return token, cookie


def start_web(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """The app under uvicorn on a free port, answering /health; (process, base URL)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    # uvicorn closes a keep-alive connection idle for 5 s; the load generator, starved of CPU on
    # 2 cores, can hold one that long between two requests and then loses the race (a reset).
    command += ["--timeout-keep-alive", str(KEEP_ALIVE_S)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web process exited")
        try:
            if httpx.get(f"{url}/health", timeout=1.0, trust_env=False).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError("the web process did not answer /health")


async def web_figures(
    args: argparse.Namespace, url: str, pid: int, token: str, cookie: str, redis_url: str
) -> dict[str, Any]:
    """API latency per path, the web RSS after, then the SSE fan-out."""
    rss_idle = rss_kib(pid)
    api = {}
    for name, measured in product_paths(args.products).items():
        page = not name.startswith("GET /api")
        api[name] = await api_latency(
            url,
            measured,
            headers={} if page else {"Authorization": f"Bearer {token}"},
            cookies={SESSION_COOKIE: cookie} if page else {},
            clients=args.clients,
            requests=args.requests,
        )
        print(f"  {name}: {api[name]}", flush=True)
    rss_after = rss_kib(pid)
    sse: dict[str, Any] = {}
    if args.streams:
        sse = await sse_fanout(
            url, redis_url, token, streams=args.streams, messages=args.messages, web_pid=pid
        )
        print(f"  SSE: {sse}", flush=True)
    return {
        "api": api,
        "web_rss_idle_mib": round(rss_idle / 1024, 1),
        "web_rss_after_api_mib": round(rss_after / 1024, 1),
        "sse": sse,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start Redis, seed, measure the web process, then the workers; stop everything (always)."""
    redis = RedisServer()
    web: subprocess.Popen[bytes] | None = None
    figures: dict[str, Any] = {"load_before": os.getloadavg()}
    try:
        redis.start()
        base = {"REDIS_URL": redis.url, "SECRET_KEY": secrets.token_urlsafe(48)}
        base |= {"LOG_LEVEL": "WARNING"}
        with temporary_database("stockbridge_bench_scale") as dsn:
            env = {**os.environ, **base, "DATABASE_URL": dsn}
            os.environ.update(env)  # piccolo_conf and the settings read it once, at first use
            token, cookie = asyncio.run(seed(args.products))
            web, url = start_web(env)
            figures |= asyncio.run(web_figures(args, url, web.pid, token, cookie, redis.url))
            stop(web)
            if args.sync_products:
                figures["workers"] = asyncio.run(with_pool(env, args))
    finally:
        stop(web)
        redis.stop()
    figures["load_after"] = os.getloadavg()
    return figures


async def with_pool(env: dict[str, str], args: argparse.Namespace) -> list[dict[str, Any]]:
    """`worker_counts` with the database pool of this process open."""
    db = engine()
    await db.start_connection_pool(min_size=1, max_size=8)
    try:
        await fetch("TRUNCATE warehouse, product RESTART IDENTITY CASCADE")
        counts = [int(n) for n in args.workers.split(",")]
        return await worker_counts(env, args.sync_products, counts)
    finally:
        await db.close_connection_pool()


def show(figures: dict[str, Any]) -> None:
    """The table."""
    print(f"\nload average before {figures['load_before']}, after {figures['load_after']}")
    print(f"{'path':<26}{'requests':>9}{'clients':>8}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>8}")
    for name, a in figures["api"].items():
        print(
            f"{name:<26}{a['requests']:>9}{a['clients']:>8}{a['p50_ms']:>9}"
            f"{a['p99_ms']:>9}{a['rps']:>8}  errors {a['errors']}"
        )
    print(f"web RSS idle {figures['web_rss_idle_mib']} MiB, after API runs ", end="")
    print(f"{figures['web_rss_after_api_mib']} MiB")
    for key, value in figures["sse"].items():
        print(f"  sse {key:<28} {value}")
    for w in figures.get("workers", []):
        print(
            f"  {w['workers']} worker(s), {w['products']} products: {w['status']} in "
            f"{w['wall_s']} s, {w['requests']} requests, RSS idle {w['worker_rss_idle_mib']} "
            f"peak {w['worker_rss_peak_mib']} MiB"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=2000, help="per path")
    parser.add_argument("--streams", type=int, default=200, help="SSE streams (0: skip)")
    parser.add_argument("--messages", type=int, default=20, help="progress updates published")
    parser.add_argument("--sync-products", type=int, default=10_000, help="0: skip workers")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts")
    parser.add_argument("--output", type=Path, default=RESULTS_FILE)
    args = parser.parse_args(argv)
    # SIGTERM (and SIGINT, which a non-interactive shell's background jobs ignore) must reach the
    # `finally` blocks that stop the processes and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logging.disable(logging.INFO)
    make_piccolo_conf_importable()
    figures = {"arguments": vars(args) | {"output": str(args.output)}, **run(args)}
    show(figures)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
