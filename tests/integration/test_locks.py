"""Per-SKU sync locks against real Redis and PostgreSQL: one owner at a time, TTLs, durable rows."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.domain import locks
from server.domain.db import fetch
from server.domain.locks import (
    LockRelease,
    acquire_many,
    acquire_product_sync_lock,
    extend_locks,
    is_product_locked,
    lock_key,
    lock_records,
    new_lock_owner,
    release_many,
    release_product_sync_lock,
)
from tests.integration.accounts_helpers import add_products

SKUS = ["SKU-1", "SKU-2", "SKU-3"]


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """This run's Redis database, without locks left by earlier tests."""
    client = Redis.from_url(os.environ["REDIS_URL"])
    keys = [key async for key in client.scan_iter(match=f"{locks.LOCK_KEY_PREFIX}*")]
    if keys:
        await client.delete(*keys)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def skus() -> list[str]:
    await add_products(SKUS)
    return SKUS


async def _record(sku: str) -> locks.ProductSyncLockRecord:
    (record,) = await lock_records([sku])
    return record


async def test_of_racing_owners_exactly_one_wins(redis: Redis, skus: list[str]) -> None:
    owners = [new_lock_owner(f"worker-{n}") for n in range(10)]
    won = await asyncio.gather(*(acquire_product_sync_lock(redis, "SKU-1", o) for o in owners))
    assert sum(won) == 1
    winner = owners[won.index(True)]
    assert await redis.get(lock_key("SKU-1")) == winner.encode()
    assert await is_product_locked(redis, "SKU-1")
    record = await _record("SKU-1")
    assert (record.owner, record.status, record.last_error) == (winner, "in_progress", None)
    assert record.expires_at > record.locked_at


async def test_only_the_owner_releases(redis: Redis, skus: list[str]) -> None:
    assert await acquire_product_sync_lock(redis, "SKU-1", "owner-a")
    assert not await release_product_sync_lock(redis, "SKU-1", "owner-b", "success")
    assert await is_product_locked(redis, "SKU-1")
    assert (await _record("SKU-1")).status == "in_progress"

    assert await release_product_sync_lock(redis, "SKU-1", "owner-a", "error", "HTTP 500")
    assert not await is_product_locked(redis, "SKU-1")
    record = await _record("SKU-1")
    assert (record.owner, record.status, record.last_error) == ("owner-a", "error", "HTTP 500")
    ended = await fetch("SELECT expires_at <= now() AS ended FROM product_sync_lock")
    assert ended == [{"ended": True}]

    assert not await release_product_sync_lock(redis, "SKU-1", "owner-a", "success")
    assert (await _record("SKU-1")).status == "error"
    assert await acquire_product_sync_lock(redis, "SKU-1", "owner-b")
    assert await release_product_sync_lock(redis, "SKU-1", "owner-b", "success", "ignored")
    record = await _record("SKU-1")
    assert (record.owner, record.status, record.last_error) == ("owner-b", "success", None)


async def test_an_expired_lock_is_free(redis: Redis, skus: list[str]) -> None:
    assert await acquire_product_sync_lock(redis, "SKU-1", "dead-worker", ttl_s=0.2)
    assert not await acquire_product_sync_lock(redis, "SKU-1", "live-worker")
    await asyncio.sleep(0.3)
    assert not await is_product_locked(redis, "SKU-1")
    assert await acquire_product_sync_lock(redis, "SKU-1", "live-worker")
    # The dead worker wakes up: it no longer holds the lock and cannot touch the new owner's row.
    assert not await release_product_sync_lock(redis, "SKU-1", "dead-worker", "success")
    assert await is_product_locked(redis, "SKU-1")
    record = await _record("SKU-1")
    assert (record.owner, record.status) == ("live-worker", "in_progress")


async def test_a_late_release_still_records_the_outcome(redis: Redis, skus: list[str]) -> None:
    assert await acquire_product_sync_lock(redis, "SKU-2", "slow-worker", ttl_s=0.1)
    await asyncio.sleep(0.2)
    assert not await release_product_sync_lock(redis, "SKU-2", "slow-worker", "success")
    assert (await _record("SKU-2")).status == "success"


async def test_the_same_owner_takes_its_lock_again(redis: Redis, skus: list[str]) -> None:
    assert await acquire_product_sync_lock(redis, "SKU-1", "job-1", ttl_s=0.5)
    assert await acquire_product_sync_lock(redis, "SKU-1", "job-1", ttl_s=30)
    assert await redis.pttl(lock_key("SKU-1")) > 1000


async def test_batch_acquire_skips_locked_skus(redis: Redis, skus: list[str]) -> None:
    assert await acquire_product_sync_lock(redis, "SKU-2", "event-push")
    batch = await acquire_many(
        redis, ["SKU-3", "SKU-1", "SKU-2", "SKU-1", "NOT-A-PRODUCT"], "batch"
    )
    assert batch.acquired == ["SKU-3", "SKU-1", "NOT-A-PRODUCT"]
    assert batch.skipped == ["SKU-2"]
    acquired, skipped = batch
    assert skipped == ["SKU-2"] and len(acquired) == 3
    owners = {r.sku: (r.owner, r.status) for r in await lock_records([*SKUS, "NOT-A-PRODUCT"])}
    assert owners == {
        "SKU-1": ("batch", "in_progress"),
        "SKU-2": ("event-push", "in_progress"),
        "SKU-3": ("batch", "in_progress"),
    }

    released = await release_many(
        redis,
        "batch",
        [
            LockRelease(sku="SKU-1", status="success"),
            LockRelease(sku="SKU-2", status="success"),
            LockRelease(sku="SKU-3", status="error", error="offer ended"),
        ],
    )
    assert released == ["SKU-1", "SKU-3"]
    rows = {r.sku: (r.owner, r.status, r.last_error) for r in await lock_records(SKUS)}
    assert rows == {
        "SKU-1": ("batch", "success", None),
        "SKU-2": ("event-push", "in_progress", None),
        "SKU-3": ("batch", "error", "offer ended"),
    }
    assert await is_product_locked(redis, "SKU-2")
    assert await acquire_many(redis, [], "batch") == ([], [])
    assert await release_many(redis, "batch", []) == []


async def test_a_failed_record_gives_the_redis_locks_back(
    redis: Redis, skus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(locks, "_record_acquired", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        await acquire_many(redis, SKUS, "batch")
    assert not any([await is_product_locked(redis, sku) for sku in SKUS])


async def test_extend_only_the_owners_locks(redis: Redis, skus: list[str]) -> None:
    await acquire_many(redis, ["SKU-1", "SKU-2"], "batch", ttl_s=1)
    await acquire_product_sync_lock(redis, "SKU-3", "other", ttl_s=1)
    before = (await _record("SKU-1")).expires_at
    assert await extend_locks(redis, SKUS, "batch", ttl_s=60) == ["SKU-1", "SKU-2"]
    assert await redis.pttl(lock_key("SKU-1")) > 30_000
    assert await redis.pttl(lock_key("SKU-3")) <= 1000
    assert (await _record("SKU-1")).expires_at > before


async def test_wrong_release_status_or_ttl_is_refused(redis: Redis, skus: list[str]) -> None:
    with pytest.raises(ValueError, match="success or error"):
        await release_product_sync_lock(redis, "SKU-1", "x", "in_progress")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        await acquire_product_sync_lock(redis, "SKU-1", "x", ttl_s=0)


async def test_lock_rows_follow_their_product(redis: Redis, skus: list[str]) -> None:
    await acquire_many(redis, ["SKU-1", "SKU-2"], "batch")
    await fetch("UPDATE product SET sku = 'SKU-1-NEW' WHERE sku = 'SKU-1'")
    await fetch("DELETE FROM product WHERE sku = 'SKU-2'")
    assert [r.sku for r in await lock_records(["SKU-1", "SKU-1-NEW", "SKU-2"])] == ["SKU-1-NEW"]
