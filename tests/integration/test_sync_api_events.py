"""The SSE source of `/api/sync/events`, made finite: active snapshots first, then published ones."""

from __future__ import annotations

import json

import httpx
from redis.asyncio import Redis

from server.api.sync_events import progress_events
from server.sync.progress import RunProgress, publish_progress
from tests.integration.accounts_helpers import app_of


async def test_snapshots_then_published_progress(client: httpx.AsyncClient) -> None:
    redis: Redis = app_of(client).state.redis
    await redis.delete("stockbridge:sync:active")
    await publish_progress(
        redis, RunProgress(run_id=41, status="RUNNING", trigger="api", scope="all")
    )
    events = progress_events(redis, limit=2, ping_interval=5.0)
    first = await anext(events)
    assert (first.event, json.loads(str(first.data))["run_id"]) == ("progress", 41)
    await publish_progress(
        redis,
        RunProgress(
            run_id=41, status="RUNNING", trigger="api", scope="all", batches_total=4, batches_done=1
        ),
    )
    await publish_progress(
        redis, RunProgress(run_id=41, status="COMPLETED", trigger="api", scope="all")
    )
    rest = [json.loads(str(message.data)) async for message in events]
    assert [(body["status"], body["percent"]) for body in rest] == [
        ("RUNNING", 25),
        ("COMPLETED", 100),
    ]


async def test_a_quiet_stream_pings(client: httpx.AsyncClient) -> None:
    redis: Redis = app_of(client).state.redis
    await redis.delete("stockbridge:sync:active")
    events = progress_events(redis, limit=1, ping_interval=0.05)
    ping = await anext(events)
    assert ping.comment == "ping"
    await events.aclose()  # type: ignore[attr-defined]


async def test_events_need_a_user(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/sync/events")).status_code == 401
