"""The sync jobs (DESIGN §5): thin arq wrappers over `server.sync.engine`, plus the cron.

Arguments follow `server.jobs`: top jobs get `(run_id,)`, `(run_id, account_id)` or
`(run_id, sku)`; `sync_product` from the event path gets `(None, sku)`. Child jobs have
deterministic ids (`sync_account:{run}:{account}`, `sync_batch:{run}:{batch}`), and the engine
counts work in idempotent sets, so a job that runs twice has one effect.
"""

from __future__ import annotations

from typing import Any

from arq import ArqRedis, Retry
from arq.worker import Function, func

from server import jobs
from server.settings import get_settings
from server.sync import engine, schedule
from server.sync.engine.deps import LOCK_RETRY_DEFER_S

LOCKED_RETRY_S = 2.0
"""How long an event-driven push waits when its SKU is being pushed by another job."""


class ArqScheduler:
    """The engine's `Scheduler` over an arq pool."""

    def __init__(self, arq: ArqRedis) -> None:
        """Enqueue on the pool's default queue."""
        self.arq = arq

    async def sync_account(self, run_id: int, account_id: int) -> None:
        """Queue one account's read-and-plan job."""
        await self.arq.enqueue_job(
            jobs.SYNC_ACCOUNT, run_id, account_id, _job_id=f"sync_account:{run_id}:{account_id}"
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
            _job_id=f"sync_batch:{run_id}:{batch['batch_id']}",
            _defer_by=defer_s or None,
        )

    async def take_dirty(self, sku: str) -> bool:
        """Whether the SKU changed again since its push started (and clear the mark)."""
        return await jobs.take_dirty(self.arq, sku)


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


async def sync_product(ctx: dict[str, Any], run_id: int | None, sku: str) -> None:
    """Push every listing of a SKU; retried later while another job holds the SKU."""
    job_id = ctx.get("job_id")
    if not await engine.sync_product(deps_of(ctx), run_id, sku, job_id=job_id):
        raise Retry(defer=LOCKED_RETRY_S)


async def sync_listing(ctx: dict[str, Any], run_id: int | None, listing_id: int) -> None:
    """Push one listing; retried later while another job holds its SKU."""
    job_id = ctx.get("job_id")
    if not await engine.sync_listing(deps_of(ctx), run_id, listing_id, job_id=job_id):
        raise Retry(defer=LOCKED_RETRY_S)


async def reconcile(ctx: dict[str, Any]) -> int | None:
    """The cron reconciliation (ticks every minute): a full sync when one is due.

    Due every `SYNC_INTERVAL_MINUTES` and never while the last cron run is still open
    (`server.sync.schedule`).
    """
    if not await schedule.reconciliation_due_now(get_settings().sync_interval_minutes):
        return None
    return await jobs.start_sync(ctx["redis"], trigger="cron", scope="all")


SYNC_FUNCTIONS: list[Function] = [
    func(sync_all_accounts),
    func(sync_account),
    func(sync_batch),
    # No result kept: the SKU's job id must be free for the next change as soon as it is done.
    func(sync_product, keep_result=0),
    func(sync_listing),
    func(reconcile),
]
"""Every sync job as the worker registers it."""
