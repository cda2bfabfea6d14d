"""Per-SKU sync locks (DESIGN §5): a Redis key with an owner token and a TTL, plus a durable row.

The live lock is `stockbridge:lock:sku:{sku}` set with `SET NX PX` to the owner's token, so two
workers never push the same SKU at once; only its owner releases it (compare-and-delete in Lua),
and a lock whose owner died expires with its TTL. The same owner taking a lock it holds again just
refreshes the TTL, so a retried job with the same token carries on. `product_sync_lock` keeps the
durable record per SKU (owner, in_progress/success/error, locked/expires times, last error) for
people and the dashboard; it is written set-based, one statement per call however many SKUs.

The Redis client is always passed in; this module keeps no connection of its own.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

import msgspec
from redis.asyncio import Redis

from server.domain.db import fetch

logger = logging.getLogger(__name__)

LOCK_KEY_PREFIX = "stockbridge:lock:sku:"
DEFAULT_LOCK_TTL_S = 120.0
"""Long enough for a batch's push and confirmation; a dead worker's SKUs are free after it."""

ReleaseStatus = Literal["success", "error"]
_RELEASE_STATUSES = ("success", "error")

_ACQUIRE_SCRIPT = """
-- KEYS: lock keys; ARGV[1]: owner token; ARGV[2]: TTL in ms. Returns 1 (held) or 0 per key.
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    held[i] = 1
  elseif redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held
"""

_RELEASE_SCRIPT = """
-- KEYS: lock keys; ARGV[1]: owner token. Deletes only the owner's keys; 1 (released) or 0 per key.
local done = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    done[i] = 1
  else
    done[i] = 0
  end
end
return done
"""

_EXTEND_SCRIPT = """
-- KEYS: lock keys; ARGV[1]: owner token; ARGV[2]: TTL in ms. Extends only the owner's keys.
local done = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    done[i] = 1
  else
    done[i] = 0
  end
end
return done
"""


class LockBatch(NamedTuple):
    """What a batch acquire got: the SKUs now held by the owner and those held by someone else."""

    acquired: list[str]
    skipped: list[str]


class LockRelease(msgspec.Struct, frozen=True, kw_only=True):
    """One SKU's release in a batch: how its sync ended and, if it failed, why."""

    sku: str
    status: ReleaseStatus
    error: str | None = None


class ProductSyncLockRecord(msgspec.Struct, kw_only=True):
    """The durable record of a SKU's latest lock."""

    sku: str
    owner: str
    status: str
    locked_at: datetime
    expires_at: datetime
    last_error: str | None


def lock_key(sku: str) -> str:
    """The Redis key of a SKU's lock."""
    return f"{LOCK_KEY_PREFIX}{sku}"


def new_lock_owner(label: str) -> str:
    """A fresh owner token, e.g. `sync_batch:3f9c…`; the label says who holds it, for people."""
    return f"{label}:{secrets.token_hex(8)}"


def _ttl_ms(ttl_s: float) -> int:
    if ttl_s <= 0:
        raise ValueError("a lock's TTL must be positive")
    return max(1, round(ttl_s * 1000))


def _distinct(skus: Iterable[str]) -> list[str]:
    """SKUs without repeats, in their first order."""
    return list(dict.fromkeys(skus))


async def _run_script(
    redis: Redis, script: str, skus: Sequence[str], *args: str | int
) -> list[bool]:
    runner = redis.register_script(script)
    flags = await runner(keys=[lock_key(sku) for sku in skus], args=list(args))
    return [bool(int(flag)) for flag in flags]


async def _record_acquired(skus: Sequence[str], owner: str, ttl_ms: int) -> None:
    """Upsert the durable rows of newly held locks in one statement (unknown SKUs get none)."""
    await fetch(
        "INSERT INTO product_sync_lock (sku, owner, status, locked_at, expires_at, last_error) "
        "SELECT p.sku, {}, 'in_progress', now(), now() + {}::interval, NULL "
        "FROM product p WHERE p.sku = ANY({}::text[]) ORDER BY p.sku "
        "ON CONFLICT (sku) DO UPDATE SET owner = EXCLUDED.owner, status = EXCLUDED.status, "
        "locked_at = EXCLUDED.locked_at, expires_at = EXCLUDED.expires_at",
        owner,
        timedelta(milliseconds=ttl_ms),
        sorted(skus),
    )


async def acquire_many(
    redis: Redis, skus: Iterable[str], owner: str, *, ttl_s: float = DEFAULT_LOCK_TTL_S
) -> LockBatch:
    """Take every lock that is free (or already the owner's) in one Redis call; skip the rest.

    The durable rows of the acquired SKUs become `in_progress` in one statement. If that write
    fails, the Redis locks just taken are given back before the error is raised.
    """
    wanted = _distinct(skus)
    if not wanted:
        return LockBatch(acquired=[], skipped=[])
    ttl_ms = _ttl_ms(ttl_s)
    held = await _run_script(redis, _ACQUIRE_SCRIPT, wanted, owner, ttl_ms)
    acquired = [sku for sku, ok in zip(wanted, held, strict=True) if ok]
    skipped = [sku for sku, ok in zip(wanted, held, strict=True) if not ok]
    if acquired:
        try:
            await _record_acquired(acquired, owner, ttl_ms)
        except BaseException:
            await _run_script(redis, _RELEASE_SCRIPT, acquired, owner)
            raise
    if skipped:
        logger.debug("%s skipped %d locked SKU(s)", owner, len(skipped))
    return LockBatch(acquired=acquired, skipped=skipped)


async def acquire_product_sync_lock(
    redis: Redis, sku: str, owner: str, *, ttl_s: float = DEFAULT_LOCK_TTL_S
) -> bool:
    """Take one SKU's lock for `owner`; False when another owner holds it."""
    batch = await acquire_many(redis, [sku], owner, ttl_s=ttl_s)
    return bool(batch.acquired)


async def _record_released(owner: str, releases: Sequence[LockRelease]) -> None:
    """Close the owner's in-progress rows with their outcome, in one statement."""
    await fetch(
        "UPDATE product_sync_lock AS l SET status = r.status, "
        "last_error = CASE WHEN r.status = 'error' THEN r.error END, "
        "expires_at = LEAST(l.expires_at, now()) "
        "FROM unnest({}::text[], {}::text[], {}::text[]) AS r(sku, status, error) "
        "WHERE l.sku = r.sku AND l.owner = {} AND l.status = 'in_progress'",
        [item.sku for item in releases],
        [item.status for item in releases],
        [item.error for item in releases],
        owner,
    )


async def release_many(redis: Redis, owner: str, releases: Sequence[LockRelease]) -> list[str]:
    """Give back the owner's locks with each SKU's outcome; returns the SKUs it still held.

    Locks held by another owner are untouched, in Redis and in the database. A lock that expired
    before its release is absent from the answer, but its durable row still gets the outcome if
    nobody took the SKU since. Releasing twice changes nothing the second time.
    """
    latest = list({item.sku: item for item in releases}.values())
    for item in latest:
        if item.status not in _RELEASE_STATUSES:
            raise ValueError(f"a lock is released as success or error, not {item.status!r}")
    if not latest:
        return []
    done = await _run_script(redis, _RELEASE_SCRIPT, [item.sku for item in latest], owner)
    await _record_released(owner, latest)
    return [item.sku for item, ok in zip(latest, done, strict=True) if ok]


async def release_product_sync_lock(
    redis: Redis, sku: str, owner: str, status: ReleaseStatus, error: str | None = None
) -> bool:
    """Give back one SKU's lock with its outcome; False unless `owner` still held it."""
    released = await release_many(redis, owner, [LockRelease(sku=sku, status=status, error=error)])
    return bool(released)


async def extend_locks(
    redis: Redis, skus: Iterable[str], owner: str, *, ttl_s: float = DEFAULT_LOCK_TTL_S
) -> list[str]:
    """Push the owner's locks `ttl_s` into the future (a long push); returns the SKUs extended."""
    wanted = _distinct(skus)
    if not wanted:
        return []
    ttl_ms = _ttl_ms(ttl_s)
    done = await _run_script(redis, _EXTEND_SCRIPT, wanted, owner, ttl_ms)
    extended = [sku for sku, ok in zip(wanted, done, strict=True) if ok]
    if extended:
        await fetch(
            "UPDATE product_sync_lock SET expires_at = now() + {}::interval "
            "WHERE sku = ANY({}::text[]) AND owner = {} AND status = 'in_progress'",
            timedelta(milliseconds=ttl_ms),
            extended,
            owner,
        )
    return extended


async def is_product_locked(redis: Redis, sku: str) -> bool:
    """Whether some owner holds the SKU's lock now (an expired lock is free)."""
    return bool(await redis.exists(lock_key(sku)))


async def lock_records(skus: Sequence[str]) -> list[ProductSyncLockRecord]:
    """The durable lock rows of some SKUs, by SKU (SKUs never locked are absent)."""
    rows = await fetch(
        "SELECT sku, owner, status, locked_at, expires_at, last_error FROM product_sync_lock "
        "WHERE sku = ANY({}::text[]) ORDER BY sku",
        list(skus),
    )
    return [ProductSyncLockRecord(**row) for row in rows]
