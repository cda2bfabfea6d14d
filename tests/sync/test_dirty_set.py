"""The event path's Redis state (`server.sync.dirty`) on real Redis: marks, flight, the flag."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.settings import get_settings
from server.sync import dirty
from tests.conftest import REDIS_CLAIM_KEY, REDIS_CLAIM_TTL_S


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(get_settings().redis_url)
    await client.delete(dirty.DIRTY_KEY, dirty.INFLIGHT_KEY, dirty.DRAIN_KEY)
    await client.set(REDIS_CLAIM_KEY, str(os.getpid()), ex=REDIS_CLAIM_TTL_S)
    yield client
    await client.delete(dirty.DIRTY_KEY, dirty.INFLIGHT_KEY, dirty.DRAIN_KEY)
    await client.aclose()


async def test_the_first_mark_claims_the_flag_and_later_ones_do_not(redis: Redis) -> None:
    assert await dirty.mark(redis, [], "a") is False  # nothing waits: no job
    assert await dirty.mark(redis, ["X"], "a") is True
    assert await dirty.mark(redis, ["X", "Y"], "b") is False
    assert await redis.get(dirty.DRAIN_KEY) == b"a"
    assert sorted(await dirty.take(redis, "a", 10)) == ["X", "Y"]


async def test_finish_releases_only_when_nothing_is_dirty(redis: Redis) -> None:
    await dirty.mark(redis, ["X"], "a")
    assert await dirty.finish(redis, "a") == 0  # X is due: go on
    assert await dirty.take(redis, "a", 10) == ["X"]
    await dirty.settle(redis, ["X"])
    assert await dirty.finish(redis, "a") is None
    assert await redis.get(dirty.DRAIN_KEY) is None
    assert await dirty.mark(redis, ["Z"], "b") is True  # the next change schedules a new job


async def test_a_sku_changed_while_in_flight_waits_for_its_round(redis: Redis) -> None:
    await dirty.mark(redis, ["X"], "a")
    assert await dirty.take(redis, "a", 10) == ["X"]
    await dirty.mark(redis, ["X"], "b")  # changed again while being pushed
    assert await dirty.take(redis, "a", 10) == []
    await dirty.settle(redis, ["X"])
    assert await dirty.take(redis, "a", 10) == ["X"]


async def test_deferred_skus_come_due_later_and_expired_leases_come_back(redis: Redis) -> None:
    await dirty.mark(redis, ["X", "Y"], "a")
    assert sorted(await dirty.take(redis, "a", 10)) == ["X", "Y"]
    await dirty.defer(redis, ["X"], 30.0)
    wait = await dirty.finish(redis, "a")
    assert wait is not None and 29 < wait <= 30
    await redis.zadd(dirty.INFLIGHT_KEY, {"Y": 0})  # Y's round died and its lease ran out
    assert await dirty.take(redis, "a", 10) == ["Y"]
