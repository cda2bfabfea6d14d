"""Driving the bot in tests: a Bot aimed at the fake Bot API and raw updates fed to a dispatcher."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from arq import ArqRedis

from server.settings import Settings
from server.telegram.bot import build_dispatcher
from server.telegram.client import make_bot
from server.telegram.follow import Followers

_ids = itertools.count(1)


@dataclass
class BotUnderTest:
    """A dispatcher with its bot; `say` and `press` feed updates as Telegram would send them."""

    bot: Bot
    dispatcher: Dispatcher
    followers: Followers

    async def say(self, text: str, *, user_id: int, chat_id: int | None = None) -> None:
        """A user writes `text` (in their private chat unless `chat_id` is given)."""
        chat = chat_id if chat_id is not None else user_id
        message = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "group", "title": "g"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
            "text": text,
        }
        await self.dispatcher.feed_raw_update(
            self.bot, {"update_id": next(_ids), "message": message}
        )

    async def press(self, data: str, *, user_id: int, message: dict[str, Any]) -> None:
        """A user presses the inline button `data` under the bot's `message`."""
        query = {
            "id": str(next(_ids)),
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
        await self.dispatcher.feed_raw_update(
            self.bot, {"update_id": next(_ids), "callback_query": query}
        )


@asynccontextmanager
async def bot_under_test(settings: Settings, arq: ArqRedis) -> AsyncIterator[BotUnderTest]:
    """The StockBridge dispatcher over real HTTP to the fake, followers polling fast."""
    bot = make_bot(settings, timeout_s=5)
    followers = Followers(interval_s=0.05)
    try:
        yield BotUnderTest(bot, build_dispatcher(settings, arq, followers=followers), followers)
    finally:
        await followers.cancel()
        await bot.session.close()
