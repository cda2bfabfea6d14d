"""One importer per account at a time: a Redis lock with an owner token and a TTL.

`SET NX PX` takes it; a heartbeat extends it every third of its TTL while the import runs; only
its owner releases it (compare-and-delete). A killed worker stops extending, so the account is free
one TTL later. The lock only saves duplicate work: exactly-once deduction rests on the database
keys, so an importer that lost its lock (a long stall) carries on safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from server.domain.locks import new_lock_owner

logger = logging.getLogger(__name__)

LOCK_KEY = "stockbridge:lock:orders:{account_id}"

_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def import_lock_key(account_id: int) -> str:
    """The Redis key of an account's import lock."""
    return LOCK_KEY.format(account_id=account_id)


async def _beat(redis: Redis, key: str, owner: str, ttl_ms: int) -> None:
    while True:
        await asyncio.sleep(ttl_ms / 3000)
        if not await redis.register_script(_EXTEND)(keys=[key], args=[owner, ttl_ms]):
            logger.warning("order import lost its lock %s; the database keys still hold", key)
            return


@contextlib.asynccontextmanager
async def account_import_lock(
    redis: Redis, account_id: int, *, ttl_s: float
) -> AsyncIterator[bool]:
    """Yield True while this importer holds the account's lock, False when another one does."""
    key = import_lock_key(account_id)
    owner = new_lock_owner(f"import_orders:{account_id}")
    ttl_ms = max(1, round(ttl_s * 1000))
    if not await redis.set(key, owner, nx=True, px=ttl_ms):
        yield False
        return
    heartbeat = asyncio.create_task(_beat(redis, key, owner, ttl_ms))
    try:
        yield True
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
        await redis.register_script(_RELEASE)(keys=[key], args=[owner])
