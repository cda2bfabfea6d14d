"""One order importer per account at a time: a Redis key with an owner token and a TTL.

This only saves work (two pollers reading the same pages). Exactly-once never depends on it:
`apply_order` locks each order's row and moves every line once, whoever holds this lock. A
killed importer's lock expires with its TTL; only the owner extends or releases it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

IMPORT_LOCK_KEY = "stockbridge:lock:orders:{account_id}"
IMPORT_LOCK_TTL_S = 300.0
"""Longer than one page's reads and applies; extended after every page."""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class ImportLock:
    """A held account lock: `extend()` after each unit of work."""

    def __init__(self, redis: Redis, key: str, token: str, ttl_s: float) -> None:
        """Wrap a lock already taken with `token`."""
        self.redis = redis
        self.key = key
        self.token = token
        self.ttl_ms = round(ttl_s * 1000)

    async def extend(self) -> bool:
        """Push the expiry one TTL ahead; False when the lock was lost (expired and taken)."""
        done = await self.redis.eval(_EXTEND, 1, self.key, self.token, str(self.ttl_ms))  # type: ignore[misc]
        return bool(done)

    async def release(self) -> None:
        """Give the lock back if it is still ours."""
        await self.redis.eval(_RELEASE, 1, self.key, self.token)  # type: ignore[misc]


@asynccontextmanager
async def account_import_lock(
    redis: Redis, account_id: int, *, ttl_s: float = IMPORT_LOCK_TTL_S
) -> AsyncIterator[ImportLock | None]:
    """The account's import lock, or None when another importer holds it."""
    key = IMPORT_LOCK_KEY.format(account_id=account_id)
    token = f"orders:{secrets.token_hex(8)}"
    taken = await redis.set(key, token, nx=True, px=round(ttl_s * 1000))
    if not taken:
        yield None
        return
    lock = ImportLock(redis, key, token, ttl_s)
    try:
        yield lock
    finally:
        await lock.release()
