"""The web side of the scale bench (`bench/scale.py`): API latency and SSE fan-out.

`api_latency` sends a fixed number of GETs to one path at a time through one
`httpx.AsyncClient` limited to `clients` connections, `clients` requests in flight, and reports
p50/p99 of each request's time and the requests per second. A path that follows its answers
(`Measured.follow`: the list's next page, by `after`) is walked: each client reads up to
`WALK_PAGES` pages in a row from a random start, then starts a new walk. A request that fails
in transport (a reset connection) counts as an error, like an answer other than 200.

`sse_fanout` opens `streams` `/api/sync/events` connections, waits until each has its first
snapshot, publishes progress messages through `publish_progress` and records, per stream and
message, the time from publishing (the message's `updated_at`) to its `data:` line arriving.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from server.sync.progress import ACTIVE_RUNS, RunProgress, publish_progress

SSE_RUN_ID = 990_001
"""The run id of the bench's progress messages (no real run of a fresh database has it)."""
WALK_PAGES = 20
"""Pages a client reads in a row by following `after` before it starts a new walk."""
_NEXT_LINK = re.compile(r'href="([^"]+)" rel="next"')


@dataclass(frozen=True)
class Measured:
    """One measured path: the i-th request's path and, for a walk, the next page's path."""

    path_of: Callable[[int], str]
    follow: Callable[[httpx.Response], str | None] | None = None


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB, from /proc/<pid>/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cuts(values: list[float]) -> tuple[float, float]:
    """p50 and p99 of `values` in ms (both the single value when there is one)."""
    if len(values) == 1:
        return values[0] * 1000, values[0] * 1000
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[98] * 1000


async def api_latency(
    base_url: str,
    measured: Measured,
    *,
    headers: dict[str, str],
    cookies: dict[str, str],
    clients: int,
    requests: int,
) -> dict[str, Any]:
    """`requests` GETs of `measured` with `clients` in flight; p50/p99 ms, requests/s, errors."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    times: list[float] = []
    errors = 0
    queue = iter(range(requests))
    async with httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        cookies=cookies,
        limits=limits,
        timeout=60.0,
        trust_env=False,
    ) as http:

        async def client() -> None:
            nonlocal errors
            path, walked = None, 0
            for i in queue:
                if path is None or walked >= WALK_PAGES:
                    path, walked = measured.path_of(i), 0
                sent = time.perf_counter()
                try:
                    response = await http.get(path)
                    await response.aread()
                except httpx.TransportError:  # counted, and the run goes on
                    errors, path = errors + 1, None
                    continue
                times.append(time.perf_counter() - sent)
                walked += 1
                ok = response.status_code == 200
                errors += 0 if ok else 1
                path = measured.follow(response) if ok and measured.follow else None

        await http.get(measured.path_of(0))  # one warm-up request (templates, first connection)
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        wall = time.perf_counter() - started
    p50, p99 = cuts(times)
    return {
        "requests": requests,
        "clients": clients,
        "errors": errors,
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "rps": round(requests / wall, 1),
    }


def _next_api_page(response: httpx.Response) -> str | None:
    """The JSON list's next page by its `next_after` cursor (None on the last page)."""
    cursor = response.json().get("next_after")
    return f"/api/products?limit=50&after={cursor}" if cursor else None


def _next_dashboard_page(response: httpx.Response) -> str | None:
    """The dashboard list's Next link (`after=`), as the browser would follow it."""
    found = _NEXT_LINK.search(response.text)
    return html.unescape(found.group(1)) if found else None


def product_paths(products: int, seed: int = 5) -> dict[str, Measured]:
    """The measured paths: list pages at random offsets, list pages walked by `after` from
    random SKUs (`WALK_PAGES` at a time), product pages of random SKUs."""
    rng = random.Random(seed)
    offsets = [rng.randrange(0, max(1, products - 50)) for _ in range(4096)]
    skus = [f"SB-{rng.randint(1, products):06d}" for _ in range(4096)]
    return {
        "GET /api/products": Measured(
            lambda i: f"/api/products?limit=50&offset={offsets[i % 4096]}"
        ),
        "GET /products": Measured(lambda i: f"/products?offset={offsets[i % 4096]}"),
        "GET /api/products (after)": Measured(
            lambda i: f"/api/products?limit=50&after={skus[i % 4096]}", _next_api_page
        ),
        "GET /products (after)": Measured(
            lambda i: f"/products?after={skus[i % 4096]}", _next_dashboard_page
        ),
        "GET /api/products/{sku}": Measured(lambda i: f"/api/products/{skus[i % 4096]}"),
        "GET /products/{sku}": Measured(lambda i: f"/products/{skus[i % 4096]}"),
    }


async def _read_stream(
    http: httpx.AsyncClient, headers: dict[str, str], ready: asyncio.Event, received: list[float]
) -> None:
    """One dashboard: count its first snapshot as `ready`, then record each message's delay."""
    async with http.stream("GET", "/api/sync/events", headers=headers) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            body = json.loads(line[5:])
            if not ready.is_set():
                ready.set()
                continue
            received.append(time.time() - float(body["updated_at"]))
            if body["status"] == "COMPLETED":
                return


async def sse_fanout(
    base_url: str, redis_url: str, token: str, *, streams: int, messages: int, web_pid: int
) -> dict[str, Any]:
    """Open `streams` event streams, publish `messages` updates; delivery and the web's RSS."""
    redis: Redis = Redis.from_url(redis_url)
    rss_before = rss_kib(web_pid)
    run = RunProgress(run_id=SSE_RUN_ID, status="RUNNING", trigger="api", scope="all")
    run.batches_total = messages
    await publish_progress(redis, run)  # the snapshot every stream gets on connecting
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=0)
    received: list[list[float]] = [[] for _ in range(streams)]
    ready = [asyncio.Event() for _ in range(streams)]
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=120.0, trust_env=False
    ) as http:
        tasks = [
            asyncio.create_task(_read_stream(http, headers, ready[i], received[i]))
            for i in range(streams)
        ]
        try:
            opened = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 120.0)
            open_s = time.perf_counter() - opened
            await asyncio.sleep(1.0)
            rss_with = rss_kib(web_pid)
            for n in range(1, messages + 1):
                run.batches_done = n
                run.status = "COMPLETED" if n == messages else "RUNNING"
                await publish_progress(redis, run)
                await asyncio.sleep(0.2)
            await asyncio.wait_for(asyncio.gather(*tasks), 60.0)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await redis.srem(ACTIVE_RUNS, SSE_RUN_ID)  # type: ignore[misc]
            await redis.aclose()
    delays = [d for per_stream in received for d in per_stream]
    p50, p99 = cuts(delays)
    return {
        "streams": streams,
        "messages": messages,
        "streams_with_every_message": sum(len(r) == messages for r in received),
        "deliveries": len(delays),
        "open_all_s": round(open_s, 2),
        "delivery_p50_ms": round(p50, 1),
        "delivery_p99_ms": round(p99, 1),
        "web_rss_before_mib": round(rss_before / 1024, 1),
        "web_rss_with_streams_mib": round(rss_with / 1024, 1),
    }
