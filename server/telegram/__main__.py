"""The `bot` process: `python -m server.telegram` polls Telegram and delivers alerts.

Without `TELEGRAM_BOT_TOKEN` it says the bot is off and exits. While Telegram cannot be reached
(or refuses the token) it keeps trying with backoff rather than exiting, so under honcho an
outage never stops the web and worker processes.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from arq import create_pool
from arq.connections import RedisSettings

from server.domain.db import engine
from server.settings import Settings, get_settings
from server.telegram.alerting import start_alerting
from server.telegram.bot import build_dispatcher
from server.telegram.client import make_bot
from server.telegram.follow import Followers

logger = logging.getLogger("server.telegram")


async def wait_for_telegram(
    bot: Bot, *, first_wait_s: float = 2.0, max_wait_s: float = 300.0
) -> None:
    """Return once `getMe` answers; until then log and retry with exponential backoff."""
    wait = first_wait_s
    while True:
        try:
            me = await bot.get_me()
        except TelegramAPIError as error:
            logger.error(
                "Telegram not reachable or token refused (%s); retrying in %.0f s",
                type(error).__name__,
                wait,
            )
        else:
            logger.info("Telegram bot @%s polling", me.username)
            return
        await asyncio.sleep(wait)
        wait = min(max_wait_s, wait * 2)


async def run_bot(settings: Settings) -> None:
    """Open the database pool and Redis, deliver alerts and poll until stopped."""
    await engine().start_connection_pool(min_size=1, max_size=4)
    arq = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    bot = make_bot(settings)
    followers = Followers()
    alerting = start_alerting(arq, settings, send=True)
    try:
        await wait_for_telegram(bot)
        await build_dispatcher(settings, arq, followers=followers).start_polling(bot)
    finally:
        await followers.cancel()
        await alerting.stop()
        await bot.session.close()
        await arq.aclose()
        await engine().close_connection_pool()


def main() -> int:
    """Run the bot, or explain that it is off."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    if not settings.telegram_enabled:
        logger.warning("Telegram bot: off (set TELEGRAM_BOT_TOKEN)")
        return 0
    asyncio.run(run_bot(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
