"""Delivering queued alerts: rate-limited, retried with backoff, never lost to an outage.

`AlertSender.run` loops until cancelled: it takes the oldest alert, sends it to every alert chat
that does not have it yet and, when Telegram cannot take it now (5xx, a timeout, a refused
connection, 429), puts it back at the tail and waits (Telegram's `retry_after` for a 429, else
exponential backoff up to `max_backoff_s`). A chat that refuses for good (4xx: bot blocked, chat
unknown) is logged and skipped. Budgets live in Redis, so several senders (worker and bot) share
them: `CHAT_BUDGET` per chat (Telegram allows about 20 a minute in a group) and `GLOBAL_BUDGET`
for the bot (Telegram allows about 30 a second).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from redis.asyncio import Redis

from server.marketplaces.ratelimit import Budget, RateLimiter
from server.telegram.messages import with_repeats
from server.telegram.queue import AlertQueue, QueuedAlert

logger = logging.getLogger(__name__)

CHAT_BUDGET = Budget(rate=15, period_s=60.0, burst=3)
GLOBAL_BUDGET = Budget(rate=10, period_s=1.0, burst=5)
Sleep = Callable[[float], Awaitable[None]]


class _RetryLater(Exception):
    """Telegram cannot take the alert now; wait `wait_s` (None: the sender's backoff)."""

    def __init__(self, wait_s: float | None) -> None:
        super().__init__(wait_s)
        self.wait_s = wait_s


class AlertSender:
    """Takes alerts off the queue and sends them to the alert chats."""

    def __init__(
        self,
        bot: Bot,
        queue: AlertQueue,
        redis: Redis,
        chat_ids: Sequence[int],
        *,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        time_scale: float = 1.0,
    ) -> None:
        """`time_scale` compresses the budgets' periods (tests)."""
        self.bot = bot
        self.queue = queue
        self.chat_ids = list(chat_ids)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._global = GLOBAL_BUDGET.limiter(
            redis, "stockbridge:telegram:rate", time_scale=time_scale, local=False
        )
        self._chats: dict[int, RateLimiter] = {
            chat: CHAT_BUDGET.limiter(
                redis, f"stockbridge:telegram:rate:{chat}", time_scale=time_scale, local=False
            )
            for chat in self.chat_ids
        }
        self.failures = 0

    async def _send(self, chat_id: int, text: str) -> None:
        await self._chats[chat_id].acquire()
        await self._global.acquire()
        try:
            await self.bot.send_message(chat_id, text)
        except TelegramRetryAfter as error:
            raise _RetryLater(float(error.retry_after)) from error
        except (TelegramServerError, TelegramNetworkError) as error:
            logger.warning("Telegram unavailable, alert kept queued: %s", type(error).__name__)
            raise _RetryLater(None) from error
        except TelegramAPIError as error:
            logger.error("Telegram refused an alert for chat %s for good: %s", chat_id, error)

    async def deliver(self, item: QueuedAlert) -> None:
        """Send to each chat still missing the alert; `_RetryLater` when Telegram cannot now."""
        text = with_repeats(item.text, item.repeats)
        for chat_id in self.chat_ids:
            if chat_id in item.delivered:
                continue
            await self._send(chat_id, text)
            item.delivered.append(chat_id)

    def _backoff(self) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** max(0, self.failures - 1)))

    async def step(self, *, timeout_s: float = 1.0) -> float:
        """Handle one alert, if one comes within `timeout_s`; returns how long to wait next."""
        item = await self.queue.take(timeout_s)
        if item is None:
            return 0.0
        try:
            await self.deliver(item)
        except asyncio.CancelledError:
            await asyncio.shield(self.queue.put_back(item))  # stopping must not lose it
            raise
        except _RetryLater as later:
            self.failures += 1
            item.attempts += 1
            await self.queue.put_back(item)
            return later.wait_s if later.wait_s is not None else self._backoff()
        self.failures = 0
        return 0.0

    async def run(self, sleep: Sleep = asyncio.sleep) -> None:
        """Deliver alerts until cancelled; no error ends the loop."""
        while True:
            try:
                wait = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("alert sender step failed")
                wait = self.backoff_s
            if wait:
                await sleep(wait)
