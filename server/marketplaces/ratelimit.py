"""Request budgets that hold across every process: a Redis GCRA limiter plus local smoothing.

`RedisRateLimiter` keeps one budget per Redis key with the generic cell rate algorithm, run as a
Lua script so that the check and the update are one atomic step on Redis's own clock: every
worker process, on any machine sharing the Redis, draws from the same budget. It guarantees that
no window of `period_s` holds more than `rate` grants, the burst included (the steady interval is
`period_s / (rate - burst)`). `LocalLimiter` smooths one process with `aiolimiter` so it does not
flood Redis with calls that would be refused; it is made on first use in the running loop, never
at import. `CompositeLimiter` takes a slot from each of its limiters in turn.

`time_scale` (≥ 1) divides every period, keeping the number per period: a benchmark can compress
a minute of budget into seconds. All limiters sharing a key must use the same budget and scale.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiolimiter import AsyncLimiter
from redis.asyncio import Redis

SleepFunction = Callable[[float], Awaitable[None]]

GCRA_SCRIPT = """
-- KEYS[1]: the budget; ARGV: emission interval (us), burst, cost.
-- Returns {1, 0} when granted, {0, wait_us} when refused (a refusal consumes nothing).
if redis.replicate_commands then pcall(redis.replicate_commands) end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + cost * interval
local allow_at = new_tat - burst * interval
if allow_at > now then
  return {0, math.ceil(allow_at - now)}
end
local ttl_ms = math.ceil((new_tat - now) / 1000) + 1
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', ttl_ms)
return {1, 0}
"""


class RateLimiter(Protocol):
    """Anything that hands out request slots; `acquire` returns once `cost` units are granted."""

    async def acquire(self, cost: int = 1) -> None:
        """Wait until `cost` units of the budget are granted."""
        ...


def _check_budget(rate: int, period_s: float, burst: int, time_scale: float) -> None:
    if rate < 2:
        raise ValueError("rate must be at least 2 per period")
    if period_s <= 0:
        raise ValueError("period_s must be positive")
    if not 1 <= burst < rate:
        raise ValueError("burst must be at least 1 and below rate")
    if time_scale < 1:
        raise ValueError("time_scale must be at least 1")


def _check_cost(cost: int, burst: int) -> None:
    if not 1 <= cost <= burst:
        raise ValueError(f"cost must be between 1 and the burst ({burst}); got {cost}")


def _interval_s(rate: int, period_s: float, burst: int, time_scale: float) -> float:
    """Steady spacing that keeps burst + steady grants within `rate` per (scaled) period."""
    return period_s / time_scale / (rate - burst)


class RedisRateLimiter:
    """A budget shared by every process through Redis (GCRA in a Lua script).

    Args:
        redis: An asyncio Redis client; the script runs with EVALSHA.
        key: The budget's key, e.g. `allegro_client_key(client_id)`.
        rate: Most units granted in any window of `period_s`, the burst included.
        period_s: The budget's period in seconds (60 for "per minute").
        burst: Units that may be granted back to back after a quiet spell (≥ 1, < rate).
        time_scale: Divides the period (≥ 1) for benchmarks; the rate per period stays.
        sleep: Awaited while waiting for a slot (injectable for tests).
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        rate: int,
        period_s: float,
        burst: int = 1,
        *,
        time_scale: float = 1.0,
        sleep: SleepFunction = asyncio.sleep,
    ) -> None:
        _check_budget(rate, period_s, burst, time_scale)
        self.key = key
        self.rate = rate
        self.period_s = period_s / time_scale
        self.burst = burst
        self._interval_us = _interval_s(rate, period_s, burst, time_scale) * 1_000_000
        self._script = redis.register_script(GCRA_SCRIPT)
        self._sleep = sleep

    async def try_acquire(self, cost: int = 1) -> float:
        """Take `cost` units if the budget allows now.

        Returns:
            0.0 when granted; otherwise the seconds to wait before the same call can succeed
            (nothing is consumed by a refusal).
        """
        _check_cost(cost, self.burst)
        args: list[Any] = [repr(self._interval_us), self.burst, cost]
        granted, wait_us = await self._script(keys=[self.key], args=args)
        return 0.0 if int(granted) == 1 else int(wait_us) / 1_000_000

    async def acquire(self, cost: int = 1) -> None:
        """Wait (asyncio.sleep for the time Redis names) until `cost` units are granted."""
        while (wait := await self.try_acquire(cost)) > 0:
            await self._sleep(wait)

    def __repr__(self) -> str:
        return f"RedisRateLimiter({self.key!r}, {self.rate}/{self.period_s:g}s, burst={self.burst})"


class LocalLimiter:
    """Per-process smoothing with `aiolimiter`, at the same steady rate as the shared budget.

    The `AsyncLimiter` is created on first use in the running event loop (and again if the loop
    changes), because an aiolimiter instance belongs to one loop.
    """

    def __init__(
        self, rate: int, period_s: float, burst: int = 1, *, time_scale: float = 1.0
    ) -> None:
        _check_budget(rate, period_s, burst, time_scale)
        self.burst = burst
        self._time_period = burst * _interval_s(rate, period_s, burst, time_scale)
        self._limiter: AsyncLimiter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> AsyncLimiter:
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            self._limiter = AsyncLimiter(self.burst, self._time_period)
            self._loop = loop
        return self._limiter

    async def acquire(self, cost: int = 1) -> None:
        """Wait until this process may spend `cost` more units."""
        _check_cost(cost, self.burst)
        await self._current().acquire(cost)


class CompositeLimiter:
    """Takes a slot from each limiter in order (local smoothing first, then shared budgets)."""

    def __init__(self, *limiters: RateLimiter) -> None:
        self.limiters = limiters

    async def acquire(self, cost: int = 1) -> None:
        """Wait until every limiter grants `cost` units."""
        for limiter in self.limiters:
            await limiter.acquire(cost)


class NullLimiter:
    """No limit at all: for tests and sandboxes that want none."""

    async def acquire(self, cost: int = 1) -> None:
        """Return at once."""


@dataclass(frozen=True)
class Budget:
    """A documented request budget: at most `rate` units in any window of `period_s`.

    `burst` is how many may go back to back; the steady pace is lowered to keep the window true.
    """

    rate: int
    period_s: float
    burst: int

    def limiter(
        self, redis: Redis, key: str, *, time_scale: float = 1.0, local: bool = True
    ) -> CompositeLimiter:
        """This budget under `key` in Redis, smoothed locally unless `local` is False."""
        shared = RedisRateLimiter(
            redis, key, self.rate, self.period_s, self.burst, time_scale=time_scale
        )
        if not local:
            return CompositeLimiter(shared)
        smoothing = LocalLimiter(self.rate, self.period_s, self.burst, time_scale=time_scale)
        return CompositeLimiter(smoothing, shared)


ALLEGRO_CLIENT_BUDGET = Budget(rate=9000, period_s=60.0, burst=100)
"""Allegro: 9,000 requests a minute per Client ID, shared by every seller the app serves."""
ALLEGRO_OFFER_READ_BUDGET = Budget(rate=3500, period_s=60.0, burst=50)
"""Allegro, per seller: GET /sale/product-offers/{offerId}, 3,500 a minute."""
ALLEGRO_OFFER_PATCH_BUDGET = Budget(rate=2490, period_s=60.0, burst=50)
"""Allegro, per seller: PATCH /sale/product-offers/{offerId}, 2,490 a minute (maintainers)."""
ALLEGRO_OFFER_CHANGES_MINUTE_BUDGET = Budget(rate=9000, period_s=60.0, burst=1000)
"""Allegro, per seller: offers changed by quantity commands, 9,000 a minute (cost = offers)."""
ALLEGRO_OFFER_CHANGES_HOUR_BUDGET = Budget(rate=250_000, period_s=3600.0, burst=1000)
"""Allegro, per seller: offers changed by quantity commands, 250,000 an hour (cost = offers)."""
WIX_SITE_BUDGET = Budget(rate=200, period_s=60.0, burst=10)
"""Wix: 200 requests a minute per app instance (per site for API-key calls)."""


def allegro_client_key(client_id: str) -> str:
    """Redis key of an Allegro Client ID's budget (client ids are not secret; kept readable)."""
    return f"ratelimit:allegro:client:{client_id}"


def allegro_seller_key(seller_id: str, resource: str) -> str:
    """Redis key of one Allegro seller's budget for one resource, e.g. `offer-patch`."""
    return f"ratelimit:allegro:seller:{seller_id}:{resource}"


def wix_site_key(site_id: str) -> str:
    """Redis key of a Wix site's budget (one app instance per site)."""
    return f"ratelimit:wix:site:{site_id}"
