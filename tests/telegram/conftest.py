"""Fixtures for the Telegram tests: the fake Bot API, settings aimed at it, Redis, an arq pool."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from server.settings import Settings, load_settings
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, running_fake

ALERT_CHATS = (111, -222)
ALLOWED_USER = 42
QUEUE = "stockbridge:test:telegram-queue"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API on a free port."""
    async with running_fake() as api:
        yield api


@pytest.fixture
def settings(fake: FakeBotApi) -> Settings:
    """The test run's settings with Telegram aimed at the fake."""
    return load_settings(
        {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": fake.url,
            "TELEGRAM_ALERT_CHAT_IDS": ",".join(str(c) for c in ALERT_CHATS),
            "TELEGRAM_ALLOWED_IDS": str(ALLOWED_USER),
            "PUBLIC_URL": "http://sb.test",
        },
        env_file=None,
    )


async def _forget_telegram_keys(redis: Redis) -> None:
    """Alert and bot state, and the job ids and run state of earlier runs (ids restart at 1)."""
    patterns = (
        "stockbridge:alerts:*",
        "stockbridge:telegram:*",
        "stockbridge:sync:*",
        "arq:job:sync*",
        "arq:result:sync*",
        "arq:retry:sync*",
        f"{QUEUE}*",
    )
    for pattern in patterns:
        keys = [key async for key in redis.scan_iter(match=pattern)]
        if keys:
            await redis.delete(*keys)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """A client of the run's Redis database, with the alert and bot keys cleared around a test."""
    client: Redis = Redis.from_url(os.environ["REDIS_URL"])
    await _forget_telegram_keys(client)
    yield client
    await _forget_telegram_keys(client)
    await client.aclose()


@pytest.fixture
async def arq(redis: Redis) -> AsyncIterator[ArqRedis]:
    """An arq pool enqueueing on a queue of its own."""
    pool = await create_pool(
        RedisSettings.from_dsn(os.environ["REDIS_URL"]), default_queue_name=QUEUE
    )
    yield pool
    await pool.aclose()
