"""Convergence under change: stock moves while a full sync runs, one reconciliation settles it.

Random ledger operations (receive, sell, adjust on random SKUs, a few every 100 ms, from a seeded
RNG) run while burst workers push a full sync to a Wix V1, a Wix V3 and an Allegro account.
After the churn stops, one reconciliation must leave every listing's marketplace quantity, as
read from the sandboxes, equal to its sellable quantity.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time

from server import jobs
from server.domain.ledger import adjust, receive, sell
from server.domain.refs import Actor
from server.domain.sellable import sellable_for_account
from server.errors import InsufficientStockError
from server.sync import records
from tests.worker.test_sync_jobs_env import SKUS, SyncEnv, no_app_listeners, sync_env

__all__ = ["no_app_listeners"]

ACTOR = Actor(email="churn@example.com")
CHURN_S = 2.5
"""How long stock keeps changing (the whole test stays well under 15 s)."""
MIN_CHANGES = 10
"""Changes the churn makes however slow the machine is (the test asserts it saw them)."""


async def change_once(rng: random.Random) -> str:
    """One random ledger operation on a random SKU in warehouse A; returns its kind."""
    sku = rng.choice(SKUS)
    kind = rng.choice(("receive", "sell", "adjust"))
    if kind == "receive":
        await receive(sku, "A", rng.randint(1, 9), actor=ACTOR, reason="churn")
    elif kind == "sell":
        try:
            await sell(sku, "A", rng.randint(1, 5), actor=ACTOR)
        except InsufficientStockError:
            return "sell-refused"
    else:
        await adjust(sku, "A", rng.choice((0, rng.randint(0, 60))), reason="churn", actor=ACTOR)
    return kind


async def churn(rng: random.Random, seconds: float) -> list[dt.datetime]:
    """A few changes every 100 ms for `seconds`, and at least `MIN_CHANGES`; when each was made.

    On a loaded machine a ledger operation can take longer than its 100 ms, so the count, not
    only the time, decides when the churn ends.
    """
    done: list[dt.datetime] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or len(done) < MIN_CHANGES:
        for _ in range(rng.randint(1, 4)):
            await change_once(rng)
            done.append(dt.datetime.now(dt.UTC))
        await asyncio.sleep(0.1)
    return done


async def run_workers(env: SyncEnv, count: int) -> int:
    """Run `count` burst workers side by side until the queue is empty; jobs that failed."""
    workers = [env.worker() for _ in range(count)]
    await asyncio.gather(*(worker.main() for worker in workers))
    for worker in workers:
        await worker.close()
    return sum(worker.jobs_failed for worker in workers)


async def mismatches(env: SyncEnv) -> list[tuple[str, str, int, int | None]]:
    """(account, SKU, sellable, shown) for every listing whose marketplace differs."""
    wrong = []
    for name, account_id in env.accounts.items():
        shown = await env.shown(name)
        for row in await sellable_for_account(account_id):
            if shown[row.listing_id] != row.sellable:
                wrong.append((name, row.sku, row.sellable, shown[row.listing_id]))
    return wrong


async def test_random_changes_during_a_full_sync_converge_after_one_reconciliation() -> None:
    started = time.monotonic()
    rng = random.Random(20261129)
    async with sync_env() as env:
        env.batch_size = 7  # several batches per account, so changes land between them
        run_id = await jobs.start_sync(env.pool, trigger="api", scope="all")
        changes = asyncio.create_task(churn(rng, CHURN_S))
        failed = await run_workers(env, 2)
        done = await changes
        assert failed == 0
        run = await records.get_run(run_id)
        assert run.status == "COMPLETED" and run.started_at and run.finished_at, run
        during = [at for at in done if run.started_at <= at <= run.finished_at]
        assert len(done) >= MIN_CHANGES and during, (len(done), run)
        reconcile_id = await jobs.start_sync(env.pool, trigger="cron", scope="all")
        assert await run_workers(env, 1) == 0
        reconciliation = await records.get_run(reconcile_id)
        assert reconciliation.status == "COMPLETED", reconciliation
        assert reconciliation.failed == 0
        assert await mismatches(env) == []
    assert time.monotonic() - started < 15
