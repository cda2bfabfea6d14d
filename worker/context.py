"""The worker's typed context: resources opened at start-up and closed at shut-down."""

from __future__ import annotations

from typing import Any, TypedDict

from arq import ArqRedis

from server.domain.db import engine
from server.settings import Settings, get_settings


class WorkerContext(TypedDict, total=False):
    """What every job receives as `ctx` (arq adds `redis`, `job_id`, `job_try`)."""

    redis: ArqRedis
    settings: Settings
    job_id: str
    job_try: int


async def startup(ctx: dict[str, Any]) -> None:
    """Open the database pool; arq has already connected Redis."""
    settings = get_settings()
    ctx["settings"] = settings
    await engine().start_connection_pool(min_size=1, max_size=settings.db_pool_max_size)


async def shutdown(ctx: dict[str, Any]) -> None:
    """Close the database pool."""
    await engine().close_connection_pool()
