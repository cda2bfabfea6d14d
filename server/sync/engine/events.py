"""The event path's drain job: push the dirty SKUs in rounds until none is left.

Up to `ROUNDS_AT_ONCE` rounds run at once (the worker context's `rounds_at_once` overrides it),
so marketplace waits (Allegro commands) overlap.

A round takes up to `batch_size` SKUs that are due (`server.sync.dirty.take`, which moves them
into flight under a lease), takes the SKU locks it can get and puts the others back due after
`LOCK_RETRY_S`. For the SKUs it holds it opens one event run (scope `sku` for one SKU, `skus` for
several; the items name the SKUs), reads each account's listings with one targeted read per
account made inside the locks, pushes all accounts at once, records the outcomes, then settles
the SKUs, releases the locks and closes the run whatever happened (FAILED on an error; the SKUs
then go back to the dirty set). Locks and leases are renewed while a round runs.

The job stops when `finish` finds nothing dirty (and releases the drain flag). When only SKUs
waiting for a lock are left it naps (`POLL_S` at most) until something is due; past `budget_s`
it hands the flag to a successor job and ends, so no job runs into arq's timeout. A job that
runs twice pushes what is dirty at the time: a SKU pushed once is not dirty any more, so the
second run has no effect.
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
POLL_S = 0.25
"""Longest nap of a drain job between looks for SKUs come due (new changes, freed locks)."""
LOCK_RETRY_S = 0.5
"""When a SKU another job holds is tried again (the batches' `lock_retry_s` if shorter)."""
ROUNDS_AT_ONCE = 3
"""Rounds one drain job keeps in flight by default; their SKUs are disjoint (taken out of the
dirty set). Overlapping rounds overlap their marketplace waits (Allegro's command processing, 2 s
in real time); where rounds are bound by CPU instead, they share it and each takes longer
(BENCHMARKS.md, Sync, latency). The worker context's `rounds_at_once` overrides it."""


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


def round_job_id(job_id: str, round_no: int) -> str:
    """The arq job id a drain job's round records on its run: the job's own id and the round's
    number. No arq job has it (open runs are unique per job id, and one drain job has up to
    `ROUNDS_AT_ONCE` rounds open); `drain_job_of_round` gives the drain job back, whose arq keys
    show the round alive (`server.jobs.close_abandoned_runs`).
    """
    return f"{job_id}:{round_no}"


def drain_job_of_round(run_job_id: str) -> str:
    """The id of the drain job that runs a round, from the round's `round_job_id`."""
    return run_job_id.rpartition(":")[0]


async def open_round_run(skus: Sequence[str], job_id: str | None) -> int:
    """One event run for a round: scope `sku` when it pushes one SKU, else `skus`."""
    if len(skus) == 1:
        run_id = await records.create_run("event", scope="sku", sku=skus[0], arq_job_id=job_id)
    else:
        run_id = await records.create_run("event", scope="skus", arq_job_id=job_id)
    try:
        await records.mark_run_running(run_id, arq_job_id=job_id)
    except BaseException as exc:  # a round cancelled here must not leave its run open
        await records.finish_run(run_id, error=f"event round failed: {exc!r}"[:500])
        raise
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


async def _push_held(
    deps: EngineDeps, token: str, held: Sequence[str], owner: str, job_id: str | None
) -> tuple[list[SellableListing], list[BatchResult]]:
    """Push SKUs whose locks the round holds under one event run, closed whatever happens."""
    run_id = await open_round_run(held, job_id)
    error: str | None = None
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
    return rows, results


async def push_round(
    deps: EngineDeps, token: str, skus: Sequence[str], job_id: str | None
) -> tuple[int, int]:
    """One round over SKUs taken into flight; returns (SKUs pushed, SKUs put back for locks).

    Whatever stops the round early (an error, or a cancellation at any await, even while the
    locks are being taken) puts all its SKUs back in the dirty set and gives back every lock its
    owner holds, so none waits for a lease or a lock's TTL to run out.
    """
    owner = new_lock_owner("sync_dirty")
    retry_s = min(deps.lock_retry_s, LOCK_RETRY_S)
    rows: list[SellableListing] = []
    results: list[BatchResult] = []
    mine: Sequence[str] = skus  # until the acquire answers, any of them may be locked by `owner`
    try:
        held = list((await acquire_many(deps.redis, skus, owner)).acquired)
        mine = held
        held_set = set(held)
        waiting = [sku for sku in skus if sku not in held_set]
        await dirty.defer(deps.redis, waiting, retry_s)
        if held:
            rows, results = await _push_held(deps, token, held, owner, job_id)
    except BaseException:
        await dirty.defer(deps.redis, skus, retry_s)
        raise
    finally:
        if mine:
            await release_many(deps.redis, owner, round_releases(mine, rows, results))
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
    await asyncio.sleep(min(wait, POLL_S))  # a new change may come due before the locked ones
    return True


class _Rounds:
    """The rounds one drain job has in flight (disjoint SKUs), and what the finished ones did."""

    def __init__(self, deps: EngineDeps, token: str, job_id: str | None, at_once: int) -> None:
        self.deps, self.token, self.job_id = deps, token, job_id
        self.at_once = max(1, at_once)
        self.tasks: set[asyncio.Task[tuple[int, int]]] = set()
        self.report = DrainReport()

    async def fill(self) -> None:
        """Start a round for due SKUs while fewer than `at_once` are in flight."""
        while len(self.tasks) < self.at_once:
            skus = await dirty.take(self.deps.redis, self.token, self.deps.batch_size)
            if not skus:
                return
            run_job = None if self.job_id is None else round_job_id(self.job_id, self.report.rounds)
            self.report.rounds += 1
            push = push_round(self.deps, self.token, skus, run_job)
            self.tasks.add(asyncio.create_task(push))

    async def collect(self) -> None:
        """Wait up to `POLL_S` for rounds to finish and count them; a round's error is raised."""
        done, self.tasks = await asyncio.wait(
            self.tasks, timeout=POLL_S, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            pushed, deferred = task.result()
            self.report.pushed += pushed
            self.report.deferred += deferred

    async def cancel(self) -> None:
        """Stop rounds still in flight (their SKUs go back to the dirty set)."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def drain(
    deps: EngineDeps,
    token: str,
    *,
    job_id: str | None = None,
    budget_s: float = DRAIN_BUDGET_S,
    rounds_at_once: int = ROUNDS_AT_ONCE,
) -> DrainReport:
    """Push dirty SKUs in rounds until none is left (or hand over after `budget_s`).

    `token` is the job's own: the drain flag names it while the job is the scheduled one. Up to
    `rounds_at_once` rounds (at least one) run at once; the job looks for SKUs come due while they
    run.

    On an unexpected error the flag is released and, if anything is still dirty, a new drain job
    is queued (after `lock_retry_s`), so an error never leaves dirty SKUs without a job.
    """
    rounds = _Rounds(deps, token, job_id, rounds_at_once)
    deadline = time.monotonic() + budget_s
    try:
        while True:
            if time.monotonic() <= deadline:
                await rounds.fill()
            if rounds.tasks:
                await rounds.collect()
            elif not await _next_step(deps, token, deadline):
                return rounds.report
    except Exception:
        logger.exception("drain job %s failed", token)
        await rounds.cancel()
        await dirty.release(deps.redis, token)
        successor = dirty.new_token()
        if await dirty.mark(deps.redis, [], successor):
            await deps.scheduler.sync_dirty(successor, defer_s=deps.lock_retry_s)
        raise
    finally:
        await rounds.cancel()
