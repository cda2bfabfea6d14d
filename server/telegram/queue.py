"""The alert queue in Redis: cooldown per alert key, repeat counts, a bounded list.

`AlertQueue.offer` is what every process calls (through `alert_listener`): `SET cooldown:key NX EX`
decides whether the alert is queued now; while the cooldown lasts, repeats only `INCR` a counter,
which the next queued alert of the same key reports ("repeated 12 times"). The queue is one
Redis list, newest at the head (`LPUSH` + `LTRIM` to `max_length`: when it is full the oldest
alerts are dropped, with a log line). Senders take the oldest with `BRPOP` and put an alert they
could not deliver back at the tail with `RPUSH`, so it is the next one tried.
"""

from __future__ import annotations

import logging
import time

import msgspec
from redis.asyncio import Redis

from server.domain.alerts import Alert, AlertListener
from server.settings import Settings
from server.telegram.messages import alert_text

logger = logging.getLogger(__name__)

PREFIX = "stockbridge:alerts"
QUEUE_KEY = f"{PREFIX}:queue"
MAX_QUEUE = 200
"""Alerts kept while Telegram cannot be reached; older ones are dropped beyond this."""


class QueuedAlert(msgspec.Struct, kw_only=True):
    """An alert waiting for delivery; `delivered` lists the chats that already have it."""

    key: str
    kind: str
    text: str
    repeats: int = 0
    queued_at: float = 0.0
    attempts: int = 0
    delivered: list[int] = msgspec.field(default_factory=list)


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(QueuedAlert)


class AlertQueue:
    """Cooldown, repeat counting and the bounded list, all in Redis (shared by every process)."""

    def __init__(self, redis: Redis, *, cooldown_s: int, max_length: int = MAX_QUEUE) -> None:
        """`cooldown_s`: how long one alert key stays quiet after it was queued."""
        self.redis = redis
        self.cooldown_s = cooldown_s
        self.max_length = max_length

    async def offer(self, alert: Alert, text: str) -> bool:
        """Queue the alert unless its key is cooling down (then count a repeat); True if queued."""
        cooldown = f"{PREFIX}:cooldown:{alert.key}"
        repeats_key = f"{PREFIX}:repeats:{alert.key}"
        if not await self.redis.set(cooldown, "1", nx=True, ex=self.cooldown_s):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(repeats_key)
                pipe.expire(repeats_key, self.cooldown_s * 4)
                await pipe.execute()
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(repeats_key)
            pipe.delete(repeats_key)
            raw_repeats, _ = await pipe.execute()
        item = QueuedAlert(
            key=alert.key,
            kind=alert.kind,
            text=text,
            repeats=int(raw_repeats or 0),
            queued_at=time.time(),
        )
        await self.push(item)
        return True

    async def push(self, item: QueuedAlert) -> None:
        """Add a new alert at the head; beyond `max_length` the oldest are dropped (logged)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(QUEUE_KEY, _ENCODER.encode(item))
            pipe.ltrim(QUEUE_KEY, 0, self.max_length - 1)
            length, _ = await pipe.execute()
        if int(length) > self.max_length:
            logger.warning(
                "alert queue full (%s): dropped %s oldest alert(s) undelivered",
                self.max_length,
                int(length) - self.max_length,
            )

    async def take(self, timeout_s: float = 1.0) -> QueuedAlert | None:
        """The oldest alert, waiting up to `timeout_s` for one; None when none came."""
        popped = await self.redis.brpop([QUEUE_KEY], timeout=timeout_s)  # type: ignore[misc,arg-type]
        return None if popped is None else _DECODER.decode(popped[1])

    async def put_back(self, item: QueuedAlert) -> None:
        """Return an undelivered alert at the tail: it is the next one taken."""
        await self.redis.rpush(QUEUE_KEY, _ENCODER.encode(item))  # type: ignore[misc]

    async def length(self) -> int:
        """Alerts waiting."""
        return int(await self.redis.llen(QUEUE_KEY))  # type: ignore[misc]


def alert_listener(redis: Redis, settings: Settings) -> AlertListener:
    """The `server.domain.alerts` listener that queues alerts for Telegram."""
    queue = AlertQueue(redis, cooldown_s=settings.alert_cooldown_minutes * 60)
    secrets = [settings.telegram_bot_token, settings.secret_key]

    async def listener(alert: Alert) -> None:
        text = alert_text(alert, public_url=settings.public_url, secrets=secrets)
        await queue.offer(alert, text)

    return listener
