"""Alerts through Redis to the fake Bot API: cooldown per key, repeat counts, every alert chat."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from server.domain.alerts import Alert, raise_alert
from server.settings import Settings
from server.telegram.alerting import start_alerting
from server.telegram.client import make_bot
from server.telegram.queue import AlertQueue
from server.telegram.sender import AlertSender
from tests.telegram.conftest import ALERT_CHATS
from tests.telegram.fake_bot_api import FakeBotApi


def conflict(n: int = 1) -> Alert:
    return Alert(kind="order_conflict", key="order_line:7", message=f"line 7 matches nothing ({n})")


async def test_an_alert_raised_anywhere_reaches_every_alert_chat(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    alerting = start_alerting(redis, settings, send=True)
    try:
        await raise_alert(conflict())
        await fake.wait_for("sendMessage", len(ALERT_CHATS))
    finally:
        await alerting.stop()
    sent = fake.sent()
    assert sorted(p["chat_id"] for p in sent) == sorted(ALERT_CHATS)
    assert all("Order line needs a product" in p["text"] for p in sent)
    assert all("What to do: Map the line" in p["text"] for p in sent)
    assert "parse_mode" not in sent[0]


async def test_repeats_during_the_cooldown_are_counted_and_reported_with_the_next_send(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    queue = AlertQueue(redis, cooldown_s=1)
    sender = AlertSender(make_bot(settings), queue, redis, [ALERT_CHATS[0]])
    try:
        assert await queue.offer(conflict(1), "first")
        assert not await queue.offer(conflict(2), "second")
        assert not await queue.offer(conflict(3), "third")
        assert await queue.length() == 1
        await sender.step()
        await asyncio.sleep(1.1)  # the cooldown ends
        assert await queue.offer(conflict(4), "fourth")
        await sender.step()
        assert await sender.step(timeout_s=0.1) == 0.0  # nothing more queued
    finally:
        await sender.bot.session.close()
    assert fake.texts() == ["first", "fourth\n\n(repeated 2 times since the last message)"]


async def test_different_keys_are_not_deduplicated(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    queue = AlertQueue(redis, cooldown_s=60)
    for key in ("a", "b", "a", "c"):
        await queue.offer(Alert(kind="drift", key=key, message=key), key)
    assert await queue.length() == 3
