"""Change → marketplace latency for the sync benchmark (`bench/sync.py`).

A running (non-burst) arq worker processes the event path: every ledger change fires
`on_stock_changed`, whose listener queues `sync_product(sku)` (one job per SKU, short defer). A
generator makes `rate` changes a second over `hot` SKUs for `seconds`, each ledger `adjust` its
own task started on a fixed schedule (one SKU's changes in order). A change is recorded when
its `adjust` returns, timed from when it was started; it is delivered when all four sandboxes
show the SKU's latest quantity (read from their in-process state every 20 ms). Changes still not
shown 30 s after the last one are unresolved; they enter the percentiles with the time waited so
far, so p50/p95 are then lower bounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

from sync_setup import Bench, shown_allegro, shown_wix, sku_of
from sync_transport import SITES

from server import jobs
from server.domain import hooks
from server.domain.db import fetch_one
from server.domain.ledger import adjust
from server.domain.refs import Actor

ACTOR = Actor(email="bench", source="system")
POLL_S = 0.02
DRAIN_S = 30.0


class Tracker:
    """Pending changes per SKU and the latencies of those delivered."""

    def __init__(self, bench: Bench, skus: list[str]) -> None:
        """Index every account's sandbox row for the hot SKUs."""
        self.rows: list[tuple[bool, dict[str, Any]]] = []
        for name in bench.accounts:
            rows = bench.wix_rows(name) if name in SITES else bench.allegro_rows(name)
            self.rows.append((name in SITES, {sku: rows[sku] for sku in skus}))
        self.expected: dict[str, int] = {}
        self.pending: dict[str, list[float]] = {}
        self.latencies: list[float] = []

    def record(self, sku: str, quantity: int, started: float) -> None:
        """A change committed: the SKU should now show `quantity`."""
        self.expected[sku] = quantity
        self.pending.setdefault(sku, []).append(started)

    def shown_everywhere(self, sku: str) -> bool:
        """Whether every account shows the SKU's expected quantity."""
        want = self.expected[sku]
        return all(shown == want for shown in self.shown(sku))

    def shown(self, sku: str) -> list[int | None]:
        """What each account shows for a SKU."""
        return [shown_wix(r[sku]) if wix else shown_allegro(r[sku]) for wix, r in self.rows]

    def check(self) -> None:
        """Resolve the SKUs whose latest quantity is shown everywhere."""
        now = time.monotonic()
        for sku in [s for s in self.pending if self.shown_everywhere(s)]:
            self.latencies.extend(now - t for t in self.pending.pop(sku))


async def change(tracker: Tracker, sku: str, quantity: int, lock: asyncio.Lock) -> None:
    """One ledger change, after any earlier change of the same SKU (so the order is known)."""
    started = time.monotonic()
    async with lock:
        await adjust(sku, "A", quantity, reason="bench latency", actor=ACTOR)
        tracker.record(sku, quantity, started)


async def generate(tracker: Tracker, skus: list[str], rate: float, seconds: float) -> None:
    """`rate` ledger changes a second over `skus` for `seconds` (quantities 1…60), on schedule.

    Each change is its own task started at its scheduled time, so a slow commit does not delay
    the next one; changes of one SKU are serialised by a lock per SKU.
    """
    rng = random.Random(4)
    locks = {sku: asyncio.Lock() for sku in skus}
    tasks = []
    begin = time.monotonic()
    for i in range(round(rate * seconds)):
        delay = begin + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sku = rng.choice(skus)
        tasks.append(asyncio.create_task(change(tracker, sku, rng.randint(1, 60), locks[sku])))
    sent = time.monotonic() - begin
    await asyncio.gather(*tasks)
    done = time.monotonic() - begin
    print(f"  {len(tasks)} changes started in {sent:.1f} s, all committed after {done:.1f} s")


async def watch(tracker: Tracker, done: asyncio.Event) -> None:
    """Check the sandboxes every POLL_S until the generator is done and nothing is pending."""
    deadline = None
    while True:
        tracker.check()
        if done.is_set():
            deadline = deadline or time.monotonic() + DRAIN_S
            if not tracker.pending or time.monotonic() > deadline:
                return
        await asyncio.sleep(POLL_S)


async def measure_latency(
    bench: Bench, rate: float, hot: int, seconds: float
) -> tuple[list[float], int]:
    """Run the change stream against a running worker; (latencies, unresolved changes)."""
    skus = [sku_of(n) for n in range(1, hot + 1)]
    since = time.monotonic()
    tracker = Tracker(bench, skus)
    listener = jobs.product_sync_listener(bench.pool)
    hooks.add_stock_change_listener(listener)
    worker = bench.worker(burst=False)
    running = asyncio.create_task(worker.main())
    done = asyncio.Event()
    watcher = asyncio.create_task(watch(tracker, done))
    try:
        await generate(tracker, skus, rate, seconds)
        done.set()
        await watcher
        if worker.tasks:
            await asyncio.wait(list(worker.tasks.values()), timeout=10)
    finally:
        hooks.remove_stock_change_listener(listener)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await worker.close()
    unresolved = sum(len(times) for times in tracker.pending.values())
    for name in bench.accounts:
        print(f"  {name} during the change run: {dict(bench.meter.by_endpoint(name, since))}")
    gave_up = time.monotonic()  # an unresolved change counts with its wait so far (a lower bound)
    tracker.latencies.extend(gave_up - t for times in tracker.pending.values() for t in times)
    for sku in list(tracker.pending)[:3]:
        row = await fetch_one("SELECT quantity FROM stock WHERE product = {}", sku)
        print(
            f"  unresolved {sku}: want {tracker.expected[sku]}, stock {row}, "
            f"shown {tracker.shown(sku)}"
        )
    return tracker.latencies, unresolved
