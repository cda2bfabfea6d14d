"""The shared budget on real Redis (GCRA in Lua), local smoothing, and their composition."""

from __future__ import annotations

import asyncio
import bisect
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.marketplaces.ratelimit import (
    ALLEGRO_CLIENT_BUDGET,
    WIX_SITE_BUDGET,
    Budget,
    CompositeLimiter,
    LocalLimiter,
    NullLimiter,
    RedisRateLimiter,
    allegro_client_key,
    allegro_seller_key,
    wix_site_key,
)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(os.environ["REDIS_URL"])
    yield client
    await client.aclose()


def unique_key(name: str) -> str:
    return f"test:ratelimit:{uuid.uuid4().hex}:{name}"


def peak_in_window(stamps: list[float], window_s: float) -> int:
    """Most timestamps in any half-open window [t, t + window_s)."""
    ordered = sorted(stamps)
    return max(bisect.bisect_left(ordered, t + window_s) - i for i, t in enumerate(ordered))


def test_peak_in_window() -> None:
    assert peak_in_window([0.0, 0.1, 0.2, 1.0, 1.05], 1.0) == 4
    assert peak_in_window([0.0, 0.5, 0.99, 1.0], 1.0) == 3


async def test_burst_is_granted_then_the_next_unit_must_wait(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis, unique_key("burst"), rate=10, period_s=60.0, burst=3)
    assert [await limiter.try_acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await limiter.try_acquire()
    interval = 60.0 / (10 - 3)
    assert 0 < wait <= interval
    assert 0 < await limiter.try_acquire() <= wait, "a refusal consumes nothing"


async def test_processes_sharing_a_key_share_the_budget(redis: Redis) -> None:
    key = unique_key("shared")
    other = Redis.from_url(os.environ["REDIS_URL"])
    try:
        first = RedisRateLimiter(redis, key, rate=10, period_s=60.0, burst=2)
        second = RedisRateLimiter(other, key, rate=10, period_s=60.0, burst=2)
        assert await first.try_acquire() == 0.0
        assert await second.try_acquire() == 0.0
        assert await first.try_acquire() > 0
        assert await second.try_acquire() > 0
        assert 0 < await redis.pttl(key) <= 60_000 * 2 / 8 + 1
    finally:
        await other.aclose()


async def test_cost_counts_several_units(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis, unique_key("cost"), rate=2000, period_s=60.0, burst=1000)
    assert await limiter.try_acquire(cost=1000) == 0.0
    assert await limiter.try_acquire(cost=1) > 0
    with pytest.raises(ValueError, match="cost"):
        await limiter.try_acquire(cost=1001)


async def test_time_scale_divides_the_period_and_keeps_the_rate(redis: Redis) -> None:
    limiter = RedisRateLimiter(
        redis, unique_key("scaled"), rate=10, period_s=60.0, burst=3, time_scale=60.0
    )
    assert limiter.period_s == 1.0 and limiter.rate == 10
    for _ in range(3):
        assert await limiter.try_acquire() == 0.0
    assert 0 < await limiter.try_acquire() <= 1.0 / 7


@pytest.mark.parametrize(
    ("rate", "period_s", "burst", "time_scale", "message"),
    [
        (1, 60.0, 1, 1.0, "rate"),
        (10, 0.0, 1, 1.0, "period"),
        (10, 60.0, 0, 1.0, "burst"),
        (10, 60.0, 10, 1.0, "burst"),
        (10, 60.0, 1, 0.5, "time_scale"),
    ],
)
async def test_impossible_budgets_are_refused(
    redis: Redis, rate: int, period_s: float, burst: int, time_scale: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RedisRateLimiter(redis, "k", rate, period_s, burst, time_scale=time_scale)
    with pytest.raises(ValueError, match=message):
        LocalLimiter(rate, period_s, burst, time_scale=time_scale)


async def test_no_window_holds_more_than_the_budget(redis: Redis) -> None:
    """Six tasks in one process through the production composition (local + Redis)."""
    budget = Budget(rate=40, period_s=60.0, burst=5)
    limiter = budget.limiter(redis, unique_key("window"), time_scale=120.0)
    window = budget.period_s / 120.0
    stamps: list[float] = []

    async def worker() -> None:
        for _ in range(20):
            await limiter.acquire()
            stamps.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(6)))
    elapsed = time.monotonic() - started
    assert len(stamps) == 120
    assert peak_in_window(stamps, window) <= budget.rate + budget.burst
    assert elapsed >= (120 - budget.rate) / budget.rate * window * 0.9


async def test_local_limiter_is_made_on_first_use_in_each_loop() -> None:
    limiter = LocalLimiter(rate=100, period_s=1.0, burst=2)
    assert limiter._limiter is None
    await limiter.acquire()
    first = limiter._limiter
    assert first is not None

    errors: list[BaseException] = []

    def other_loop() -> None:
        try:
            asyncio.run(limiter.acquire())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=other_loop)
    thread.start()
    thread.join()
    assert errors == []
    assert limiter._limiter is not first


async def test_local_limiter_smooths_one_process() -> None:
    limiter = LocalLimiter(rate=60, period_s=60.0, burst=2, time_scale=30.0)
    started = time.monotonic()
    for _ in range(6):
        await limiter.acquire()
    assert time.monotonic() - started >= 4 * (2.0 / 58) * 0.9


class Recorder:
    def __init__(self, name: str, log: list[tuple[str, int]]) -> None:
        self.name = name
        self.log = log

    async def acquire(self, cost: int = 1) -> None:
        self.log.append((self.name, cost))


async def test_composite_takes_each_limiter_in_order() -> None:
    log: list[tuple[str, int]] = []
    composite = CompositeLimiter(Recorder("local", log), Recorder("shared", log), NullLimiter())
    await composite.acquire(3)
    assert log == [("local", 3), ("shared", 3)]


def test_documented_budgets_and_readable_keys() -> None:
    assert (ALLEGRO_CLIENT_BUDGET.rate, ALLEGRO_CLIENT_BUDGET.period_s) == (9000, 60.0)
    assert (WIX_SITE_BUDGET.rate, WIX_SITE_BUDGET.period_s) == (200, 60.0)
    assert allegro_client_key("abc123") == "ratelimit:allegro:client:abc123"
    assert allegro_seller_key("42", "offer-patch") == "ratelimit:allegro:seller:42:offer-patch"
    assert wix_site_key("site-1") == "ratelimit:wix:site:site-1"


def test_limiters_can_be_built_outside_a_loop() -> None:
    """Nothing binds to an event loop at construction (they are built in lifespan/startup)."""
    budget = Budget(rate=10, period_s=1.0, burst=2)
    limiter = budget.limiter(Redis.from_url(os.environ["REDIS_URL"]), unique_key("sync"))
    assert len(limiter.limiters) == 2
