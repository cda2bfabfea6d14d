"""Resources the web process opens at start and closes at stop.

The database pool, a Redis client, the arq pool that enqueues jobs, the marketplace connectors, and
the stock-change listener that turns every committed stock change into an event-driven push, and
the alert listener that queues this process's alerts for Telegram (workers deliver them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq import create_pool
from arq.connections import RedisSettings
from litestar import Litestar
from redis.asyncio import Redis

from server.connectors.factory import build_connectors
from server.domain.connectors import CONNECTORS_STATE_KEY
from server.domain.db import engine
from server.domain.hooks import add_stock_change_listener, remove_stock_change_listener
from server.jobs import product_sync_listener
from server.settings import Settings
from server.telegram.alerting import start_alerting


@asynccontextmanager
async def open_resources(app: Litestar, settings: Settings) -> AsyncIterator[None]:
    """Open everything, keep it on `app.state`, close it in reverse."""
    db = engine()
    await db.start_connection_pool(min_size=1, max_size=settings.db_pool_max_size)
    redis: Redis = Redis.from_url(settings.redis_url)
    arq = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    listener = product_sync_listener(arq)
    alerting = start_alerting(redis, settings, send=False)
    try:
        await redis.ping()
        app.state.redis = redis
        app.state.arq = arq
        app.state[CONNECTORS_STATE_KEY] = build_connectors(settings, redis)
        add_stock_change_listener(listener)
        yield
    finally:
        await alerting.stop()
        remove_stock_change_listener(listener)
        await arq.aclose()
        await redis.aclose()
        await db.close_connection_pool()
