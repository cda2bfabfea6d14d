"""Resources the web process opens at start and closes at stop: database pool, Redis, connectors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from redis.asyncio import Redis

from server.connectors.factory import build_connectors
from server.domain.connectors import CONNECTORS_STATE_KEY
from server.domain.db import engine
from server.settings import Settings


@asynccontextmanager
async def open_resources(app: Litestar, settings: Settings) -> AsyncIterator[None]:
    """Open the Piccolo pool and a Redis client, keep them on `app.state`, close them in reverse."""
    db = engine()
    await db.start_connection_pool(min_size=1, max_size=settings.db_pool_max_size)
    redis: Redis = Redis.from_url(settings.redis_url)
    try:
        await redis.ping()
        app.state.redis = redis
        app.state[CONNECTORS_STATE_KEY] = build_connectors(settings, redis)
        yield
    finally:
        await redis.aclose()
        await db.close_connection_pool()
