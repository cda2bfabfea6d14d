"""`/health`: is the database and Redis reachable from this process?"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get
from redis.asyncio import Redis

from server.api.schemas import HealthOut
from server.domain.db import fetch_one

PROBE_TIMEOUT_S = 2.0


async def _probe_database() -> str:
    try:
        await asyncio.wait_for(fetch_one("SELECT 1 AS ok"), PROBE_TIMEOUT_S)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


async def _probe_redis(redis: Redis) -> str:
    try:
        await asyncio.wait_for(redis.ping(), PROBE_TIMEOUT_S)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


@get("/health", tags=["health"], operation_id="health", security=[])
async def health(request: Request[Any, Any, Any]) -> Response[HealthOut]:
    """200 when both are reachable, 503 otherwise."""
    database = await _probe_database()
    redis = await _probe_redis(request.app.state.redis)
    ok = database == "ok" and redis == "ok"
    body = HealthOut(status="ok" if ok else "degraded", database=database, redis=redis)
    return Response(content=body, status_code=200 if ok else 503)
