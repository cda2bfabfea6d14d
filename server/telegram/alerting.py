"""Alerting in one process: queue alerts, and optionally run a sender loop.

Every process that raises alerts (web, worker, bot) calls `start_alerting`: it registers the
`server.domain.alerts` listener that queues alerts in Redis. The worker and the bot process also
pass `send=True` and run an `AlertSender` task; both may run at once (the queue hands each alert
to one of them and the rate budgets are shared through Redis). Without `TELEGRAM_BOT_TOKEN` or
`TELEGRAM_ALERT_CHAT_IDS` nothing is registered: alerts are only logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis

from server.domain.alerts import AlertListener, add_alert_listener, remove_alert_listener
from server.settings import Settings
from server.telegram.client import make_bot
from server.telegram.queue import AlertQueue, alert_listener
from server.telegram.sender import AlertSender

logger = logging.getLogger(__name__)


class Alerting:
    """What `start_alerting` set up, undone by `stop`."""

    def __init__(self, listener: AlertListener | None, sender: AlertSender | None) -> None:
        """Take over the registered listener and the sender (not started yet)."""
        self.listener = listener
        self.sender = sender
        self.task: asyncio.Task[None] | None = None
        if sender is not None:
            self.task = asyncio.create_task(sender.run(), name="telegram-alert-sender")

    async def stop(self) -> None:
        """Unregister the listener, stop the sender and close its Telegram session."""
        if self.listener is not None:
            remove_alert_listener(self.listener)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.sender is not None:
            await self.sender.bot.session.close()


def start_alerting(redis: Redis, settings: Settings, *, send: bool) -> Alerting:
    """Queue this process's alerts for Telegram and, with `send`, deliver the queue."""
    if not settings.telegram_alerts_enabled:
        logger.info("Telegram alerts off: set TELEGRAM_BOT_TOKEN and TELEGRAM_ALERT_CHAT_IDS")
        return Alerting(None, None)
    listener = alert_listener(redis, settings)
    add_alert_listener(listener)
    sender = None
    if send:
        queue = AlertQueue(redis, cooldown_s=settings.alert_cooldown_minutes * 60)
        sender = AlertSender(make_bot(settings), queue, redis, settings.telegram_alert_chat_ids)
    return Alerting(listener, sender)
