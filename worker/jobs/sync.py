"""The sync jobs (DESIGN §5): thin arq wrappers over `server.sync.engine`, plus the cron.

Arguments follow `server.jobs`: top jobs get `(run_id,)`, `(run_id, account_id)` or
`(run_id, sku)`; the event path's `sync_dirty` gets its token. Child jobs have
deterministic ids (`sync_account:{run}:{account}`, `sync_batch:{run}:{batch}`), and the engine
counts work in idempotent sets, so a job that runs twice has one effect.
"""

from __future__ import annotations

import math
from typing import Any

from arq import ArqRedis, Retry
from arq.worker import Function, func

from server import jobs
from server.domain.locks import DEFAULT_LOCK_TTL_S
from server.settings import get_settings
from server.sync import engine, schedule
from server.sync.engine.deps import LOCK_RETRY_DEFER_S

LOCKED_RETRY_S = 2.0
"""How long a SKU push waits when its SKU is being pushed by another job."""
PRODUCT_TRIES = math.ceil(DEFAULT_LOCK_TTL_S / LOCKED_RETRY_S) + 1
"""Tries of a SKU push: enough to outwait a lock whose owner died (it expires after its TTL)."""


class ArqScheduler:
    """The engine's `Scheduler` over an arq pool."""

    def __init__(self, arq: ArqRedis) -> None:
        """Enqueue on the pool's default queue."""
        self.arq = arq

    async def sync_account(self, run_id: int, account_id: int) -> None:
        """Queue one account's read-and-plan job."""
        await self.arq.enqueue_job(
            jobs.SYNC_ACCOUNT, run_id, account_id, _job_id=jobs.account_job_id(run_id, account_id)
        )

    async def sync_batch(
        self, run_id: int, account_id: int, batch: dict[str, Any], *, defer_s: float = 0.0
    ) -> None:
        """Queue one batch, after `defer_s` seconds when given."""
        await self.arq.enqueue_job(
            jobs.SYNC_BATCH,
            run_id,
            account_id,
            batch,
            _job_id=jobs.batch_job_id(run_id, batch["batch_id"]),
            _defer_by=defer_s or None,
        )

    async def sync_dirty(self, token: str, *, defer_s: float = 0.0) -> None:
        """Queue the event path's drain job under `token`."""
        await jobs.enqueue_drain(self.arq, token, defer_s=defer_s)


def deps_of(ctx: dict[str, Any]) -> engine.EngineDeps:
    """The engine's dependencies from the worker context."""
    arq: ArqRedis = ctx["redis"]
    return engine.EngineDeps(
        redis=arq,
        wix=ctx["wix"],
        allegro=ctx["allegro"],
        scheduler=ArqScheduler(arq),
        batch_size=ctx.get("batch_size", get_settings().sync_batch_size),
        lock_retry_s=ctx.get("lock_retry_s", LOCK_RETRY_DEFER_S),
    )


async def sync_all_accounts(ctx: dict[str, Any], run_id: int) -> int:
    """Queue one `sync_account` per active account."""
    return await engine.sync_all_accounts(deps_of(ctx), run_id)


async def sync_account(ctx: dict[str, Any], run_id: int, account_id: int) -> int:
    """Read, plan and queue one account's batches."""
    return await engine.sync_account(deps_of(ctx), run_id, account_id)


async def sync_batch(ctx: dict[str, Any], run_id: int, account_id: int, batch: Any) -> int:
    """Push one batch under its SKU locks; returns the listings confirmed."""
    result = await engine.sync_batch(deps_of(ctx), run_id, account_id, batch)
    return len(result.completed)


async def sync_dirty(ctx: dict[str, Any], token: str) -> int:
    """The event path: push the dirty SKUs in rounds until none is left; returns SKUs pushed."""
    budget = ctx.get("drain_budget_s", engine.DRAIN_BUDGET_S)
    at_once = ctx.get("rounds_at_once", engine.ROUNDS_AT_ONCE)
    report = await engine.drain(
        deps_of(ctx), token, job_id=ctx.get("job_id"), budget_s=budget, rounds_at_once=at_once
    )
    return report.pushed


async def _locked(ctx: dict[str, Any], run_id: int | None, sku: str | None) -> None:
    """The SKU is locked by another job: retry later, or give up on the last try.

    Giving up closes the run FAILED naming the wait (or, for an event push, marks the SKU dirty),
    so arq's retries running out can never leave a run RUNNING.
    """
    tries = ctx.get("product_tries", PRODUCT_TRIES)
    retry_s = ctx.get("lock_retry_s", LOCKED_RETRY_S)
    if ctx.get("job_try", 1) < tries:
        raise Retry(defer=retry_s)
    if sku is not None:
        await engine.give_up(deps_of(ctx), run_id, sku, (tries - 1) * retry_s)


async def sync_product(ctx: dict[str, Any], run_id: int | None, sku: str) -> None:
    """Push every listing of a SKU; retried later while another job holds the SKU."""
    job_id = ctx.get("job_id")
    if not await engine.sync_product(deps_of(ctx), run_id, sku, job_id=job_id):
        await _locked(ctx, run_id, sku)


async def sync_listing(ctx: dict[str, Any], run_id: int | None, listing_id: int) -> None:
    """Push one listing; retried later while another job holds its SKU."""
    job_id = ctx.get("job_id")
    if not await engine.sync_listing(deps_of(ctx), run_id, listing_id, job_id=job_id):
        await _locked(ctx, run_id, await engine.sku_of_listing(listing_id))


async def reconcile(ctx: dict[str, Any]) -> int | None:
    """The cron reconciliation (ticks every minute): a full sync when one is due.

    Due every `SYNC_INTERVAL_MINUTES` (a full sync started by hand that completed counts as one)
    and never while a full sync, cron or by hand, is still open (`server.sync.schedule`). Runs
    whose jobs Redis lost are closed first (`jobs.close_abandoned_runs`), so a Redis restart does
    not hold reconciliation off.
    """
    await jobs.close_abandoned_runs(ctx["redis"])
    if not await schedule.reconciliation_due_now(get_settings().sync_interval_minutes):
        return None
    return await jobs.start_sync(ctx["redis"], trigger="cron", scope="all")


SYNC_FUNCTIONS: list[Function] = [
    func(sync_all_accounts),
    func(sync_account),
    func(sync_batch),
    func(sync_product, max_tries=PRODUCT_TRIES),
    func(sync_listing, max_tries=PRODUCT_TRIES),
    # Drain job ids are never reused, so no result needs keeping.
    func(sync_dirty, keep_result=0),
    func(reconcile),
]
"""Every sync job as the worker registers it."""
