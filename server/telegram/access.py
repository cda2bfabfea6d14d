"""The allow-list: only chats and users in `TELEGRAM_ALLOWED_IDS` are answered.

Anyone else gets one polite refusal (remembered in Redis per user, so a stranger who keeps
writing is not answered again) and every attempt is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from redis.asyncio import Redis

logger = logging.getLogger(__name__)

REFUSED_KEY = "stockbridge:telegram:refused:{user_id}"
REFUSED_TTL_S = 30 * 24 * 3600
REFUSAL = "Sorry, this bot only answers the people its StockBridge owner allowed."

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _ids(event: TelegramObject) -> tuple[int | None, int | None]:
    """The user and chat of a message or button press."""
    if isinstance(event, Message):
        user = event.from_user.id if event.from_user else None
        return user, event.chat.id
    if isinstance(event, CallbackQuery):
        chat = event.message.chat.id if event.message else None
        return event.from_user.id, chat
    return None, None


class AllowList(BaseMiddleware):
    """Outer middleware for messages and callback queries."""

    def __init__(self, allowed: Collection[int], redis: Redis) -> None:
        """`allowed`: user ids and chat ids (groups are negative)."""
        super().__init__()
        self.allowed = frozenset(allowed)
        self.redis = redis

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Pass allowed events on; refuse the rest once per user."""
        user_id, chat_id = _ids(event)
        if user_id in self.allowed or chat_id in self.allowed:
            return await handler(event, data)
        logger.warning("Telegram: refused user %s in chat %s", user_id, chat_id)
        key = REFUSED_KEY.format(user_id=user_id if user_id is not None else chat_id)
        if not await self.redis.set(key, "1", nx=True, ex=REFUSED_TTL_S):
            return None
        if isinstance(event, Message):
            await event.answer(REFUSAL)
        elif isinstance(event, CallbackQuery):
            await event.answer(REFUSAL, show_alert=True)
        return None
