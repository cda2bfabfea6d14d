"""The cron reconciliation against real PostgreSQL and Redis: what it reads and when it starts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings

from server.domain.db import fetch
from server.settings import get_settings
from server.sync import records
from worker.jobs.sync import reconcile


@pytest.fixture
async def arq() -> AsyncIterator[ArqRedis]:
    """An arq pool on a queue of its own: the jobs it takes are never run."""
    queue = f"test:schedule:{uuid.uuid4().hex}"
    pool = await create_pool(
        RedisSettings.from_dsn(get_settings().redis_url), default_queue_name=queue
    )
    try:
        yield pool
    finally:
        await pool.delete(queue)
        await pool.aclose()


async def _run(trigger: records.Trigger, minutes_ago: int, *, finished: bool = True) -> int:
    run_id = await records.create_run(trigger)
    if finished:
        await records.finish_run(run_id)
    await fetch(
        "UPDATE sync_run SET created_at = now() - make_interval(mins => {}) WHERE id = {}",
        minutes_ago,
        run_id,
    )
    return run_id


async def test_history_reads_only_cron_runs() -> None:
    empty = await records.cron_history()
    assert (empty.last_started_at, empty.open_started_at) == (None, None)
    await _run("cron", 50, finished=False)
    await _run("cron", 20)
    await _run("api", 1, finished=False)
    history = await records.cron_history()
    assert history.last_started_at is not None
    assert round((history.now - history.last_started_at).total_seconds() / 60) == 20
    assert history.open_started_at is not None
    assert round((history.now - history.open_started_at).total_seconds() / 60) == 50


async def test_reconcile_starts_a_run_once_the_interval_has_passed(arq: ArqRedis) -> None:
    interval = get_settings().sync_interval_minutes
    await _run("cron", interval - 1)
    await _run("api", interval + 5, finished=False)
    assert await reconcile({"redis": arq}) is None

    await fetch("UPDATE sync_run SET created_at = created_at - interval '1 minute'")
    run_id = await reconcile({"redis": arq})
    assert run_id is not None
    run = await records.get_run(run_id)
    assert (run.trigger, run.scope, run.status) == ("cron", "all", "PENDING")

    await fetch("UPDATE sync_run SET created_at = now() - interval '3 hours' WHERE id = {}", run_id)
    assert await reconcile({"redis": arq}) is None, "the open cron run blocks the next one"
    await fetch("UPDATE sync_run SET created_at = now() - interval '7 hours' WHERE id = {}", run_id)
    assert await reconcile({"redis": arq}) is not None, "a stale open run blocks nothing"
