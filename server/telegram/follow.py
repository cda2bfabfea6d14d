"""Following a run from Redis and editing one Telegram message until the run is over.

Progress snapshots are read from `server.sync.progress` every `interval_s` (never the database
while the run goes on); the message is edited only when its text changes, so Telegram sees at
most one edit per interval. The final edit is the run's summary from its record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from redis.asyncio import Redis

from server.sync import records
from server.sync.progress import FINISHED, latest_progress
from server.telegram.replies import progress_text, summary_text

logger = logging.getLogger(__name__)

FOLLOW_TIMEOUT_S = 3 * 3600.0


class Followers:
    """The background tasks following runs (kept so they are not collected; joined at stop)."""

    def __init__(self, interval_s: float = 2.0) -> None:
        """`interval_s`: the pause between reads (and at most one edit) per run."""
        self.interval_s = interval_s
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a follower in the background."""
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def join(self) -> None:
        """Wait for every follower to end."""
        while self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def cancel(self) -> None:
        """Stop every follower."""
        for task in list(self.tasks):
            task.cancel()
        await self.join()


async def _edit(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
    try:
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
    except TelegramAPIError as error:  # an outage must not end the follow
        logger.warning("could not edit the sync message: %s", error)


async def follow_run(
    bot: Bot,
    redis: Redis,
    *,
    chat_id: int,
    message_id: int,
    run_id: int,
    public_url: str,
    interval_s: float = 2.0,
    timeout_s: float = FOLLOW_TIMEOUT_S,
) -> None:
    """Edit the message with the run's progress until it finishes, then with its summary."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    shown = ""
    while loop.time() < deadline:
        progress = await latest_progress(redis, run_id)
        if progress is not None and progress.status in FINISHED:
            await _edit(
                bot, chat_id, message_id, summary_text(await records.get_run(run_id), public_url)
            )
            return
        text = progress_text(run_id, progress, public_url)
        if text != shown:
            await _edit(bot, chat_id, message_id, text)
            shown = text
        await asyncio.sleep(interval_s)
    await _edit(bot, chat_id, message_id, f"{shown}\n(stopped following; see the dashboard)")
