"""Runs whose jobs Redis lost are closed by the cron reconciliation (found by the chaos soak).

After a Redis restart the soak found runs left PENDING or RUNNING for good: their queued jobs and
tracking sets were gone, so nothing would ever finish them, and a lost cron run held off every
reconciliation for `STALE_FULL_RUN` (6 hours).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq import ArqRedis
from arq.constants import (
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)

from server import jobs
from server.domain.db import fetch
from server.settings import get_settings
from server.sync import records
from server.sync.engine.deps import TRACK_KEY
from server.sync.engine.events import open_round_run, round_job_id
from tests.integration.runs_helpers import runs_pool
from worker.jobs.sync import reconcile


@pytest.fixture
async def arq() -> AsyncIterator[ArqRedis]:
    """An arq pool on a queue of its own, no earlier test's run traces left in Redis."""
    async with runs_pool("abandoned") as pool:
        yield pool


async def _open_run(trigger: records.Trigger, minutes_ago: int) -> int:
    run_id = await records.create_run(trigger)
    await records.mark_run_running(run_id)
    await fetch(
        "UPDATE sync_run SET created_at = now() - make_interval(mins => {}) WHERE id = {}",
        minutes_ago,
        run_id,
    )
    return run_id


async def test_only_old_runs_without_a_job_in_redis_are_closed(arq: ArqRedis) -> None:
    lost = await _open_run("api", 30)
    recent = await _open_run("api", 2)
    queued = await _open_run("api", 30)
    await arq.set(f"{job_key_prefix}{jobs.run_job_id(queued)}", b"x")
    batch_queued = await _open_run("api", 30)
    await arq.set(f"{job_key_prefix}{jobs.batch_job_id(batch_queued, '3:0~2')}", b"x")
    account_retried = await _open_run("api", 30)
    await arq.set(f"{retry_key_prefix}{jobs.account_job_id(account_retried, 3)}", b"1")
    only_tracked = await _open_run("api", 30)
    await arq.sadd(TRACK_KEY.format(run_id=only_tracked, part="done"), "b")  # type: ignore[misc]
    only_results = await _open_run("api", 30)
    await arq.set(f"{result_key_prefix}{jobs.batch_job_id(only_results, '1:0')}", b"x")
    assert await jobs.close_abandoned_runs(arq) == [lost, only_tracked, only_results]
    run = await records.get_run(lost)
    assert (run.status, run.error) == ("FAILED", jobs.ABANDONED_ERROR)
    for alive in (recent, queued, batch_queued, account_retried):
        assert (await records.get_run(alive)).status == "RUNNING"


async def test_another_runs_jobs_keep_nothing_alive(arq: ArqRedis) -> None:
    """Run 1 is not kept alive by the jobs of run 11 or 21 (ids are matched whole)."""
    runs = [await _open_run("api", 30) for _ in range(21)]
    for other in (runs[10], runs[20]):
        await arq.set(f"{job_key_prefix}{jobs.batch_job_id(other, '1:0')}", b"x")
        await arq.set(f"{in_progress_key_prefix}{jobs.account_job_id(other, 1)}", b"x")
    closed = await jobs.close_abandoned_runs(arq)
    assert runs[0] in closed
    assert runs[10] not in closed and runs[20] not in closed


async def test_a_cron_run_lost_with_redis_no_longer_holds_off_reconciliation(
    arq: ArqRedis,
) -> None:
    interval = get_settings().sync_interval_minutes
    lost = await _open_run("cron", interval + 1)
    run_id = await reconcile({"redis": arq})
    assert run_id is not None, "the lost run was closed and the next one started"
    assert (await records.get_run(lost)).status == "FAILED"
    assert (await records.get_run(run_id)).status == "PENDING"


async def test_a_full_sync_by_hand_lost_with_redis_no_longer_holds_off_reconciliation(
    arq: ArqRedis,
) -> None:
    interval = get_settings().sync_interval_minutes
    await records.finish_run(await _open_run("cron", interval + 1))
    lost = await _open_run("api", 15)
    run_id = await reconcile({"redis": arq})
    assert run_id is not None, "the lost run was closed, did not count, and the cron started"
    assert (await records.get_run(lost)).status == "FAILED"


async def _open_round(token: str, round_no: int, minutes_ago: int) -> int:
    """An event round's run, opened as a drain job under `token` opens it."""
    job_id = round_job_id(jobs.drain_job_id(token), round_no)
    run_id = await open_round_run(["SKU-1", "SKU-2"], job_id)
    await fetch(
        "UPDATE sync_run SET created_at = now() - make_interval(mins => {}) WHERE id = {}",
        minutes_ago,
        run_id,
    )
    return run_id


async def test_an_event_round_is_kept_while_its_drain_job_runs_or_waits(arq: ArqRedis) -> None:
    """Its run names `sync_dirty:{token}:{n}`, no arq job: the drain job's keys are its trace."""
    running = await _open_round("running", 0, 30)
    await arq.psetex(f"{in_progress_key_prefix}{jobs.drain_job_id('running')}", 60_000, b"1")
    requeued = await _open_round("requeued", 2, 30)  # its worker died; arq will run it again
    await arq.set(f"{job_key_prefix}{jobs.drain_job_id('requeued')}", b"x")
    assert await jobs.close_abandoned_runs(arq) == []
    for alive in (running, requeued):
        assert (await records.get_run(alive)).status == "RUNNING"


async def test_an_event_round_whose_drain_job_is_gone_is_closed(arq: ArqRedis) -> None:
    """Its worker died and arq holds the job no more (it ended, or Redis lost it)."""
    dead = await _open_round("dead", 1, 30)
    recent = await _open_round("dead", 0, 2)
    assert await jobs.close_abandoned_runs(arq) == [dead]
    assert (await records.get_run(dead)).error == jobs.ABANDONED_ERROR
    assert (await records.get_run(recent)).status == "RUNNING"
