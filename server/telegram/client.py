"""The aiogram `Bot` for StockBridge, pointed at `TELEGRAM_API_URL` (a local fake in tests)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from server.settings import Settings

REQUEST_TIMEOUT_S = 10.0
"""No Telegram call waits longer (aiogram's default is a minute)."""


def make_bot(settings: Settings, *, timeout_s: float = REQUEST_TIMEOUT_S) -> Bot:
    """A Bot with its own aiohttp session; close it with `await bot.session.close()`."""
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")),
        timeout=timeout_s,
    )
    return Bot(settings.telegram_bot_token, session=session)
