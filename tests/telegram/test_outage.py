"""A Telegram outage: raising alerts never waits on Telegram, alerts wait in the queue and are
delivered when it recovers; a 429's `retry_after` is honoured; a full queue drops the oldest."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from redis.asyncio import Redis

from server.domain.alerts import Alert, raise_alert
from server.settings import Settings
from server.telegram.alerting import start_alerting
from server.telegram.client import make_bot
from server.telegram.queue import AlertQueue
from server.telegram.sender import AlertSender
from tests.telegram.conftest import ALERT_CHATS
from tests.telegram.fake_bot_api import FakeBotApi


def failure(n: int) -> Alert:
    return Alert(kind="sync_failed", key=f"sync_failed:{n}", message=f"{n} listings failed")


async def test_alerts_wait_out_a_5xx_outage_and_arrive_after_it(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    fake.fail_status = 502
    alerting = start_alerting(redis, settings, send=False)  # this process only queues
    queue = AlertQueue(redis, cooldown_s=60)
    sender = AlertSender(
        make_bot(settings), queue, redis, ALERT_CHATS, backoff_s=0.05, time_scale=60
    )
    task = asyncio.create_task(sender.run())
    try:
        started = time.monotonic()
        for n in range(3):
            await raise_alert(failure(n))
        assert time.monotonic() - started < 0.5, "raising an alert never waits on Telegram"
        await fake.wait_for("sendMessage", 3, failed_too=True)
        assert fake.sent() == [] and not task.done()
        fake.fail_status = None
        await fake.wait_for("sendMessage", 3 * len(ALERT_CHATS))
    finally:
        task.cancel()
        await alerting.stop()
        await sender.bot.session.close()
    texts = fake.texts()
    assert [t.split("\n")[2] for t in texts[:: len(ALERT_CHATS)]] == [
        "0 listings failed",
        "1 listings failed",
        "2 listings failed",
    ]


async def test_a_timeout_keeps_the_alert_queued(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    queue = AlertQueue(redis, cooldown_s=60)
    sender = AlertSender(make_bot(settings, timeout_s=0.3), queue, redis, ALERT_CHATS, backoff_s=2)
    fake.delay_s = 1.0
    try:
        await queue.offer(failure(1), "late")
        assert await sender.step() == 2  # backoff, alert back in the queue
        assert await queue.length() == 1
        fake.delay_s = 0.0
        assert await sender.step() == 0
    finally:
        await sender.bot.session.close()
    assert await queue.length() == 0
    assert fake.texts() == ["late", "late"]


async def test_a_429_waits_its_retry_after_and_never_sends_a_chat_twice(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    queue = AlertQueue(redis, cooldown_s=60)
    sender = AlertSender(make_bot(settings), queue, redis, ALERT_CHATS)
    try:
        await queue.offer(failure(1), "limited")
        fake.retry_after = 7
        fake.retry_after_after = 1  # the first chat is served, the second is refused
        assert await sender.step() == 7.0
        assert await sender.step() == 0
    finally:
        await sender.bot.session.close()
    assert [p["chat_id"] for p in fake.sent()] == list(ALERT_CHATS)


async def test_a_full_queue_drops_the_oldest_with_a_log_line(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    queue = AlertQueue(redis, cooldown_s=60, max_length=3)
    with caplog.at_level(logging.WARNING, logger="server.telegram.queue"):
        for n in range(5):
            await queue.offer(failure(n), f"alert {n}")
    assert await queue.length() == 3
    assert "dropped 1 oldest alert(s) undelivered" in caplog.text
    taken = [await queue.take(0.1) for _ in range(3)]
    assert [item.text for item in taken if item] == ["alert 2", "alert 3", "alert 4"]


async def test_a_storm_is_paced_by_the_per_chat_budget(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    queue = AlertQueue(redis, cooldown_s=60)
    # 15 a minute with a burst of 3, the minute compressed to 2 s: one every 1/6 s after 3.
    sender = AlertSender(make_bot(settings), queue, redis, [ALERT_CHATS[0]], time_scale=30)
    try:
        for n in range(8):
            await queue.offer(failure(n), f"storm {n}")
        started = time.monotonic()
        for _ in range(8):
            await sender.step()
        elapsed = time.monotonic() - started
    finally:
        await sender.bot.session.close()
    assert len(fake.texts()) == 8
    assert elapsed >= 5 * (2 / 12) * 0.9, elapsed


async def test_stopping_a_sender_in_the_middle_of_a_send_keeps_the_alert(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    queue = AlertQueue(redis, cooldown_s=60)
    sender = AlertSender(make_bot(settings), queue, redis, ALERT_CHATS)
    fake.delay_s = 5.0
    await queue.offer(failure(1), "in flight")
    task = asyncio.create_task(sender.run())
    try:
        await asyncio.sleep(1.0)  # the sender took the alert; its send waits on the slow fake
        assert await queue.length() == 0
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await sender.bot.session.close()
    item = await queue.take(0.1)
    assert item is not None and item.text == "in flight"
