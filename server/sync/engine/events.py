"""The event path's drain job: push the dirty SKUs in rounds until none is left.

A round takes up to `batch_size` SKUs that are due (`server.sync.dirty.take`, which moves them
into flight under a lease), takes the SKU locks it can get and puts the others back due after
`lock_retry_s`. For the SKUs it holds it opens one event run (scope `sku` for one SKU, `skus` for
several; the items name the SKUs), reads each account's listings with one targeted read per
account made inside the locks, pushes all accounts at once, records the outcomes, then settles
the SKUs, releases the locks and closes the run whatever happened (FAILED on an error; the SKUs
then go back to the dirty set). Locks and leases are renewed while a round runs.

The job stops when `finish` finds nothing dirty (and releases the drain flag). When only SKUs
waiting for a lock are left it sleeps until they are due; past `budget_s` it hands the flag to a
successor job and ends, so no job runs into arq's timeout. A job that runs twice pushes what is
dirty at the time: a SKU pushed once is not dirty any more, so the second run has no effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from server.domain.locks import (
    DEFAULT_LOCK_TTL_S,
    LockRelease,
    acquire_many,
    extend_locks,
    new_lock_owner,
    release_many,
)
from server.domain.sellable import SellableListing, listings_for_skus
from server.sync import dirty, records
from server.sync.engine.deps import EngineDeps
from server.sync.engine.product import close_run, push_rows
from server.sync.outcomes import BatchResult

logger = logging.getLogger(__name__)
DRAIN_BUDGET_S = 60.0
"""How long one drain job pushes before it hands over to a successor (far below arq's timeout)."""


@dataclasses.dataclass
class DrainReport:
    """What one drain job did: rounds run, SKUs pushed, SKUs put back for their locks."""

    rounds: int = 0
    pushed: int = 0
    deferred: int = 0


@asynccontextmanager
async def kept(
    deps: EngineDeps, token: str, skus: Sequence[str], owner: str
) -> AsyncIterator[None]:
    """Renew the round's locks, its SKUs' leases and the drain flag while the block runs."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(DEFAULT_LOCK_TTL_S / 3)
            await extend_locks(deps.redis, skus, owner)
            await dirty.renew(deps.redis, token, skus)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def open_round_run(skus: Sequence[str], job_id: str | None) -> int:
    """One event run for a round: scope `sku` when it pushes one SKU, else `skus`."""
    if len(skus) == 1:
        run_id = await records.create_run("event", scope="sku", sku=skus[0], arq_job_id=job_id)
    else:
        run_id = await records.create_run("event", scope="skus", arq_job_id=job_id)
    await records.mark_run_running(run_id, arq_job_id=job_id)
    return run_id


def round_releases(
    skus: Sequence[str], rows: Sequence[SellableListing], results: Sequence[BatchResult]
) -> list[LockRelease]:
    """Lock statuses: error (first message) for a SKU with a failed listing, else success."""
    sku_of = {row.listing_id: row.sku for row in rows}
    errors: dict[str, str] = {}
    for outcome in (o for result in results for o in result.failed):
        sku = sku_of.get(outcome.listing_id)
        if sku is not None:
            errors.setdefault(sku, outcome.error or "failed")
    return [
        LockRelease(sku=sku, status="error" if sku in errors else "success", error=errors.get(sku))
        for sku in skus
    ]


async def push_round(
    deps: EngineDeps, token: str, skus: Sequence[str], job_id: str | None
) -> tuple[int, int]:
    """One round over SKUs taken into flight; returns (SKUs pushed, SKUs put back for locks)."""
    owner = new_lock_owner("sync_dirty")
    held = list((await acquire_many(deps.redis, skus, owner)).acquired)
    held_set = set(held)
    waiting = [sku for sku in skus if sku not in held_set]
    await dirty.defer(deps.redis, waiting, deps.lock_retry_s)
    if not held:
        return 0, len(waiting)
    rows: list[SellableListing] = []
    results: list[BatchResult] = []
    error: str | None = None
    try:
        run_id = await open_round_run(held, job_id)
        try:
            async with kept(deps, token, held, owner):
                rows = await listings_for_skus(held)
                results = await push_rows(deps, run_id, rows)
            await dirty.settle(deps.redis, held)
        except BaseException as exc:
            error = f"event round failed: {exc!r}"[:500]
            raise
        finally:
            await close_run(deps, run_id, f"{len(held)} SKUs pushed", error=error)
    except BaseException:
        await dirty.defer(deps.redis, held, deps.lock_retry_s)
        raise
    finally:
        await release_many(deps.redis, owner, round_releases(held, rows, results))
    return len(held), len(waiting)


async def _hand_over(deps: EngineDeps, token: str, defer_s: float) -> None:
    """Pass the drain flag to a successor job queued after `defer_s` seconds."""
    successor = dirty.new_token()
    if await dirty.hand_over(deps.redis, token, successor):
        await deps.scheduler.sync_dirty(successor, defer_s=defer_s)


async def _next_step(deps: EngineDeps, token: str, deadline: float) -> bool:
    """After a round that found nothing due: True to go on, False when the job is done."""
    wait = await dirty.finish(deps.redis, token)
    if wait is None:
        return False
    if time.monotonic() + wait > deadline:
        await _hand_over(deps, token, wait)
        return False
    await asyncio.sleep(wait)
    return True


async def drain(
    deps: EngineDeps, token: str, *, job_id: str | None = None, budget_s: float = DRAIN_BUDGET_S
) -> DrainReport:
    """Push dirty SKUs round after round until none is left (or hand over after `budget_s`).

    `token` is the job's own: the drain flag names it while the job is the scheduled one.

    On an unexpected error the flag is released and, if anything is still dirty, a new drain job
    is queued (after `lock_retry_s`), so an error never leaves dirty SKUs without a job.
    """
    report = DrainReport()
    deadline = time.monotonic() + budget_s
    try:
        while True:
            skus = await dirty.take(deps.redis, token, deps.batch_size)
            if skus:
                pushed, deferred = await push_round(deps, token, skus, job_id)
                report.rounds += 1
                report.pushed += pushed
                report.deferred += deferred
            if (not skus or time.monotonic() > deadline) and not await _next_step(
                deps, token, deadline
            ):
                return report
    except Exception:
        logger.exception("drain job %s failed", token)
        await dirty.release(deps.redis, token)
        successor = dirty.new_token()
        if await dirty.mark(deps.redis, [], successor):
            await deps.scheduler.sync_dirty(successor, defer_s=deps.lock_retry_s)
        raise
