"""`sync_batch`: take the batch's SKU locks, push, record, release, and count the batch done.

Locks are per SKU, shared by every account, so the batches of several accounts meet on the same
SKUs. A batch that finds any of its SKUs locked waits whole (re-queued after `lock_retry_s`, for
up to a lock's TTL) rather than pushing a part now and the rest later: one push of the whole
batch costs fewer requests. After that it pushes what it can lock and re-queues the rest; after
`LOCK_RETRIES` such rounds the rest is SKIPPED (whoever held those SKUs pushed the current
quantity). A batch already counted done is not pushed again, so a job that runs twice
has one effect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import msgspec

from server.domain.accounts import get_account
from server.domain.locks import (
    DEFAULT_LOCK_TTL_S,
    LockRelease,
    acquire_many,
    lock_key,
    new_lock_owner,
    release_many,
)
from server.sync import records
from server.sync.engine.deps import (
    LOCK_RETRIES,
    EngineDeps,
    is_tracked,
    locks_kept,
    report,
    track,
)
from server.sync.engine.jobs import BatchJob
from server.sync.engine.push import listing_states, push_items
from server.sync.outcomes import BatchResult, PushOutcome
from server.sync.planner import PlanItem

LOCKED = "SKU locked by another sync"


def lock_releases(items: Sequence[PlanItem], result: BatchResult) -> list[LockRelease]:
    """Each SKU's release status: error (with the first message) if any of its listings failed."""
    sku_of = {item.listing_id: item.sku for item in items}
    errors: dict[str, str | None] = {item.sku: None for item in items}
    for outcome in result.outcomes:
        sku = sku_of.get(outcome.listing_id)
        if sku is not None and outcome.status == "FAILED" and errors[sku] is None:
            errors[sku] = outcome.error or "failed"
    return [
        LockRelease(sku=sku, status="error" if error else "success", error=error)
        for sku, error in errors.items()
    ]


async def store_result(run_id: int, result: BatchResult) -> None:
    """Outcomes on the run's items, the listings' sync state, and the requests spent."""
    await records.record_outcomes(run_id, result.outcomes)
    await records.update_listing_sync_state(listing_states(result.outcomes))
    if result.requests:
        await records.bump_run_counters(run_id, requests=result.requests)


async def _requeue(
    deps: EngineDeps, run_id: int, account_id: int, job: BatchJob, waiting: list[PlanItem]
) -> None:
    """Queue the locked SKUs again, or report them SKIPPED after the last attempt."""
    if not waiting:
        return
    if job.attempt >= _patience(deps) + LOCK_RETRIES:
        skipped = [
            PushOutcome(
                listing_id=item.listing_id,
                status="SKIPPED",
                marketplace_quantity_before=item.before,
                error=LOCKED,
            )
            for item in waiting
        ]
        await records.record_outcomes(run_id, skipped)
        return
    root = job.batch_id.split("~")[0]
    again = BatchJob(batch_id=f"{root}~{job.attempt + 1}", items=waiting, attempt=job.attempt + 1)
    await track(deps.redis, run_id, "batches", again.batch_id)
    await deps.scheduler.sync_batch(
        run_id, account_id, msgspec.to_builtins(again), defer_s=deps.lock_retry_s
    )


def _patience(deps: EngineDeps) -> int:
    """Rounds a batch waits whole: until a lock left by a dead worker would have expired."""
    return max(1, math.ceil(DEFAULT_LOCK_TTL_S / deps.lock_retry_s))


async def _any_locked(deps: EngineDeps, items: Sequence[PlanItem]) -> bool:
    """Whether another job holds any of the items' SKUs (a hint; the acquire decides)."""
    keys = list(dict.fromkeys(lock_key(item.sku) for item in items))
    return bool(await deps.redis.exists(*keys))


async def sync_batch(
    deps: EngineDeps, run_id: int, account_id: int, batch: dict[str, Any]
) -> BatchResult:
    """Push one batch under its SKU locks; returns what the push did (empty if already done)."""
    job = msgspec.convert(batch, BatchJob)
    if await is_tracked(deps.redis, run_id, "done", job.batch_id):
        return BatchResult()
    account = await get_account(account_id)
    if job.attempt < _patience(deps) and await _any_locked(deps, job.items):
        await _requeue(deps, run_id, account_id, job, job.items)
        await track(deps.redis, run_id, "done", job.batch_id)
        await report(deps.redis, run_id, message=f"{account.name}: batch {job.batch_id} waits")
        return BatchResult()
    owner = new_lock_owner(f"sync_batch:{run_id}")
    locks = await acquire_many(deps.redis, [item.sku for item in job.items], owner)
    held = set(locks.acquired)
    mine = [item for item in job.items if item.sku in held]
    result = BatchResult()
    try:
        if mine:
            async with locks_kept(deps.redis, list(held), owner):
                result = await push_items(deps, account, mine)
            await store_result(run_id, result)
    finally:
        await release_many(deps.redis, owner, lock_releases(mine, result))
    await _requeue(deps, run_id, account_id, job, [i for i in job.items if i.sku not in held])
    await track(deps.redis, run_id, "done", job.batch_id)
    await report(deps.redis, run_id, message=f"{account.name}: batch {job.batch_id} done")
    return result
