"""Sync runs' Redis state for the integration tests of the cron and the abandoned-run closer.

Tables are truncated with RESTART IDENTITY before each test, so run ids restart at 1, while Redis
keeps what earlier tests left: a job key such as `arq:job:sync_run:1` is global (whatever queue
the job went to) and lives a day, tracking sets two. `close_abandoned_runs` would take such
leftovers for this test's runs being alive, so every test starts without any: the autouse
`clean_database` fixture (tests/conftest.py) calls `forget_runs` before each test.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from server.settings import get_settings
from server.sync.engine.deps import TRACK_KEY
from server.sync.progress import ACTIVE_RUNS, SNAPSHOT_KEY

RUN_KEY_PATTERNS = (
    "arq:*sync_run:*",  # a run's top job: queued, in progress, its retries and result
    "arq:*sync_dirty*",  # the event path's drain jobs (their rounds' runs name them)
    "arq:*sync_account:*",  # a run's account jobs
    "arq:*sync_batch:*",  # a run's batch jobs
    TRACK_KEY.format(run_id="*", part="*"),
    SNAPSHOT_KEY.format(run_id="*"),
)


async def forget_runs(pool: Redis) -> None:
    """Drop every run's jobs, tracking sets and progress that earlier tests left behind."""
    for pattern in RUN_KEY_PATTERNS:
        keys = [key async for key in pool.scan_iter(match=pattern)]
        if keys:
            await pool.delete(*keys)
    await pool.delete(ACTIVE_RUNS)


@asynccontextmanager
async def runs_pool(name: str) -> AsyncIterator[ArqRedis]:
    """An arq pool on a queue of its own (the jobs it takes are never run)."""
    queue = f"test:{name}:{uuid.uuid4().hex}"
    pool = await create_pool(
        RedisSettings.from_dsn(get_settings().redis_url), default_queue_name=queue
    )
    try:
        yield pool
    finally:
        await pool.delete(queue)
        await pool.aclose()
