"""Progress messages through real Redis, and how jobs are enqueued (run ids, the dirty set)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from server.domain import ledger
from server.domain.refs import Actor
from server.jobs import SYNC_ALL_ACCOUNTS, SYNC_DIRTY, mark_dirty, run_job_id, start_sync
from server.settings import get_settings
from server.sync import dirty, records
from server.sync.progress import (
    RunProgress,
    active_progress,
    latest_progress,
    publish_progress,
    subscribe_progress,
)
from tests.conftest import REDIS_CLAIM_KEY, REDIS_CLAIM_TTL_S


@pytest.fixture
async def arq() -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(get_settings().redis_url))
    # One transaction: between a bare FLUSHDB and the new claim, a test run starting elsewhere
    # would find this database unclaimed, take it and share it (and its run ids) with this one.
    async with pool.pipeline(transaction=True) as pipe:
        pipe.flushdb()
        pipe.set(REDIS_CLAIM_KEY, str(os.getpid()), ex=REDIS_CLAIM_TTL_S)
        await pipe.execute()
    yield pool
    await pool.aclose()


async def test_progress_snapshot_active_set_and_channel(arq: ArqRedis) -> None:
    redis: Redis = arq
    received: list[RunProgress] = []

    async def listen() -> None:
        async for progress in subscribe_progress(redis):
            received.append(progress)
            if progress.status == "COMPLETED":
                return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.1)
    running = RunProgress(
        run_id=7, status="RUNNING", trigger="api", scope="all", batches_total=4, batches_done=1
    )
    await publish_progress(redis, running)
    assert running.percent == 25
    assert [p.run_id for p in await active_progress(redis)] == [7]
    done = RunProgress(run_id=7, status="COMPLETED", trigger="api", scope="all", pushed=10)
    await publish_progress(redis, done)
    await asyncio.wait_for(listener, 5)
    assert [p.status for p in received] == ["RUNNING", "COMPLETED"]
    assert await active_progress(redis) == []
    latest = await latest_progress(redis, 7)
    assert latest is not None
    assert (latest.pushed, latest.percent) == (10, 100)


async def test_start_sync_records_a_run_and_enqueues_one_job(
    client: httpx.AsyncClient, arq: ArqRedis
) -> None:
    run_id = await start_sync(arq, trigger="api", scope="all")
    run = await records.get_run(run_id)
    assert run.status == "PENDING"
    jobs = await arq.queued_jobs()
    assert [(j.function, j.job_id, j.args) for j in jobs] == [
        (SYNC_ALL_ACCOUNTS, run_job_id(run_id), (run_id,))
    ]
    snapshot = await latest_progress(arq, run_id)
    assert snapshot is not None
    assert snapshot.status == "PENDING"


async def dirty_skus(arq: ArqRedis) -> list[str]:
    """The event path's dirty SKUs."""
    return sorted(m.decode() for m in await arq.zrange(dirty.DIRTY_KEY, 0, -1))


async def test_a_burst_of_changes_queues_one_drain_job(
    client: httpx.AsyncClient, arq: ArqRedis
) -> None:
    assert await mark_dirty(arq, ["SKU-1"]) is True
    assert await mark_dirty(arq, ["SKU-1", "SKU-2"]) is False
    assert await mark_dirty(arq, []) is False
    queued = await arq.queued_jobs()
    assert [j.function for j in queued] == [SYNC_DIRTY]
    assert await arq.get(dirty.DRAIN_KEY) == queued[0].args[0].encode()
    assert await dirty_skus(arq) == ["SKU-1", "SKU-2"]


async def test_nothing_dirty_queues_nothing(client: httpx.AsyncClient, arq: ArqRedis) -> None:
    assert await mark_dirty(arq, []) is False
    assert await arq.queued_jobs() == []


async def test_stock_changes_through_the_app_mark_the_sku_dirty(
    client: httpx.AsyncClient, product: str, arq: ArqRedis
) -> None:
    actor = Actor(email="t")
    await ledger.receive(product, "A", 5, actor=actor)
    await ledger.sell(product, "A", 1, actor=actor)
    queued = [j for j in await arq.queued_jobs() if j.function == SYNC_DIRTY]
    assert len(queued) == 1
    assert await dirty_skus(arq) == [product]
