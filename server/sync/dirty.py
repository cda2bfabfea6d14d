"""The event path's Redis state: SKUs waiting for a push, SKUs being pushed, and the drain flag.

Three keys, changed only by the Lua scripts below (each one atomic on the Redis server, timed by
the server's own clock):

- `DIRTY_KEY`, a sorted set: SKU → when it is due (ms). A stock change adds the SKU due now
  (`ZADD NX`, so a burst is one member); a SKU another job holds is put back due a little later.
- `INFLIGHT_KEY`, a sorted set: SKU → lease deadline (ms) of the drain round pushing it. A round
  takes SKUs out of `DIRTY_KEY` and into here in one step (never one already here: a change
  made while its SKU is pushed waits in `DIRTY_KEY` until that round settles it), and removes
  them when they are pushed and recorded (`settle`). A lease that runs out (its worker was
  killed) puts the SKU back into `DIRTY_KEY` at the next `take` or `finish`: a SKU once marked
  is never dropped unpushed.
- `DRAIN_KEY`: the token of the one drain job that is queued or running (with a TTL the job
  keeps renewing). `mark` sets it when it is absent and then tells the caller to enqueue a job
  under that token; `finish` deletes it, only when `DIRTY_KEY` is empty.

Why every change is pushed (the race of issue 4, item 2). `mark` (add SKUs, claim the flag if
free) and `finish` (delete the flag if nothing is dirty) are atomic and so totally ordered. If a
change's `mark` comes before the running job's `finish`, that `finish` sees the SKU and the job
goes on. If it comes after, the flag is gone, so `mark` claims it and the caller enqueues a new
job whose id contains a fresh token: arq cannot refuse it as a duplicate of the job that is still
finishing, whatever arq does between the function's return and freeing that job's id. Hence:
whenever a SKU is dirty, the flag names a job that will run `finish` later. (`finish` also
lets go when every dirty SKU is in flight, i.e. changed again while a round pushes it: that round's
job loops until its rounds are done and takes the SKU once the round settles it.) A flag whose
job was lost (its worker died; enqueueing failed) expires after `DRAIN_TTL_S`, and the next
change or a worker start (`mark` with no SKUs) schedules a job again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from redis.asyncio import Redis

DIRTY_KEY = "stockbridge:sync:dirty"
INFLIGHT_KEY = "stockbridge:sync:inflight"
DRAIN_KEY = "stockbridge:sync:drain"
DRAIN_TTL_S = 60.0
"""How long the drain flag lives without its job renewing it (each round and heartbeat do)."""
LEASE_S = 120.0
"""How long a round may keep SKUs in flight without renewing (a lock's TTL; renewed by its beat)."""

_NOW = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
_RECOVER = """
local lost = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, sku in ipairs(lost) do
  redis.call('ZADD', KEYS[1], 'NX', now, sku)
  redis.call('ZREM', KEYS[2], sku)
end
"""

# KEYS: dirty, inflight, drain; ARGV: token, flag TTL ms, SKUs... Returns 1 if the caller must
# enqueue a drain job under `token` (nothing was scheduled and something is waiting), else 0.
_MARK = (
    _NOW
    + """
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'NX', now, ARGV[i]) end
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) == 0 then return 0 end
if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
)

# KEYS: dirty, inflight, drain; ARGV: token, count, lease ms, flag TTL ms. Returns the SKUs due
# now (at most `count`), moved into flight; renews the flag if it is the caller's. A SKU already
# in flight stays dirty: the round pushing it would hold its lock, and it is taken once settled.
_TAKE = (
    _NOW
    + _RECOVER
    + """
local want = tonumber(ARGV[2])
local seen = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0,
  want + redis.call('ZCARD', KEYS[2]))
local due = {}
for _, sku in ipairs(seen) do
  if #due < want and not redis.call('ZSCORE', KEYS[2], sku) then
    due[#due + 1] = sku
    redis.call('ZREM', KEYS[1], sku)
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), sku)
  end
end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
return due
"""
)

# KEYS: dirty, inflight; ARGV: delay ms, SKUs... Back from flight into dirty, due after `delay`
# (`GT` postpones a member already there: its SKU is still held by someone else).
_DEFER = (
    _NOW
    + """
for i = 2, #ARGV do
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[1]), ARGV[i])
end
return #ARGV - 1
"""
)

# KEYS: inflight, drain; ARGV: token, lease ms, flag TTL ms, SKUs... Renew leases and the flag.
_RENEW = (
    _NOW
    + """
for i = 4, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[i]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 1
"""
)

# KEYS: dirty, inflight, drain; ARGV: token. -1: nothing dirty but SKUs in flight elsewhere (their
# round takes them once it settles them; a dead round's lease runs out), flag released if it was
# the caller's; otherwise ms until the first dirty SKU not in flight is due (0: due now). In
# score order, one of the first (in-flight count + 1) members is not in flight.
_FINISH = (
    _NOW
    + _RECOVER
    + """
local head = redis.call('ZRANGE', KEYS[1], 0, redis.call('ZCARD', KEYS[2]), 'WITHSCORES')
for i = 1, #head, 2 do
  if not redis.call('ZSCORE', KEYS[2], head[i]) then
    return math.max(0, tonumber(head[i + 1]) - now)
  end
end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return -1
"""
)

# KEYS: drain; ARGV: old token, new token, flag TTL ms. 1 if the caller must enqueue a job under
# the new token (the flag was the caller's or had expired), 0 if another job holds it.
_HANDOVER = """
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""

# KEYS: drain; ARGV: token. Deletes the flag only if it is the caller's.
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1"


def new_token() -> str:
    """A fresh drain-job token (part of the job id, so no two drain jobs share an id)."""
    return uuid.uuid4().hex


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


async def _eval(redis: Redis, script: str, keys: Sequence[str], *args: str | int) -> object:
    runner = redis.register_script(script)  # EVALSHA, loading the script once
    result: object = await runner(keys=list(keys), args=list(args))
    return result


async def mark(redis: Redis, skus: Sequence[str], token: str) -> bool:
    """Mark SKUs dirty; True when the caller must now enqueue a drain job under `token`.

    With no SKUs it only checks: anything waiting and no job scheduled (a worker's start).
    """
    keys = (DIRTY_KEY, INFLIGHT_KEY, DRAIN_KEY)
    return bool(await _eval(redis, _MARK, keys, token, _ms(DRAIN_TTL_S), *skus))


async def take(redis: Redis, token: str, count: int) -> list[str]:
    """Up to `count` SKUs due now, moved into flight under a lease."""
    keys = (DIRTY_KEY, INFLIGHT_KEY, DRAIN_KEY)
    found = await _eval(redis, _TAKE, keys, token, count, _ms(LEASE_S), _ms(DRAIN_TTL_S))
    assert isinstance(found, list)
    return [sku.decode() if isinstance(sku, bytes) else str(sku) for sku in found]


async def defer(redis: Redis, skus: Sequence[str], delay_s: float) -> None:
    """Put SKUs in flight back as dirty, due after `delay_s` (locked elsewhere, or not pushed)."""
    if skus:
        await _eval(redis, _DEFER, (DIRTY_KEY, INFLIGHT_KEY), _ms(delay_s), *skus)


async def settle(redis: Redis, skus: Sequence[str]) -> None:
    """SKUs pushed and recorded: out of flight."""
    if skus:
        await redis.zrem(INFLIGHT_KEY, *skus)


async def renew(redis: Redis, token: str, skus: Sequence[str]) -> None:
    """Extend the leases of SKUs in flight and the caller's flag (a long round's heartbeat)."""
    await _eval(
        redis, _RENEW, (INFLIGHT_KEY, DRAIN_KEY), token, _ms(LEASE_S), _ms(DRAIN_TTL_S), *skus
    )


async def finish(redis: Redis, token: str) -> float | None:
    """None when nothing is dirty (the flag is released); else seconds until a SKU is due."""
    wait = await _eval(redis, _FINISH, (DIRTY_KEY, INFLIGHT_KEY, DRAIN_KEY), token)
    assert isinstance(wait, int)
    return None if wait < 0 else wait / 1000


async def hand_over(redis: Redis, token: str, successor: str) -> bool:
    """Pass the flag to a successor job; False when another job already holds it."""
    return bool(await _eval(redis, _HANDOVER, (DRAIN_KEY,), token, successor, _ms(DRAIN_TTL_S)))


async def release(redis: Redis, token: str) -> None:
    """Drop the flag if it is the caller's (a drain job that failed); see `mark` to re-kick."""
    await _eval(redis, _RELEASE, (DRAIN_KEY,), token)
