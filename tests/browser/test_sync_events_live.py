"""`/api/sync/events` end to end: the infinite stream read from the live uvicorn server."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from redis.asyncio import Redis

from server.sync.progress import ACTIVE_RUNS, RunProgress, publish_progress

pytestmark = pytest.mark.browser


async def _events(lines: object, count: int) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    event = ""
    async for line in lines:  # type: ignore[attr-defined]
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:") and event == "progress":
            found.append(json.loads(line.partition(":")[2]))
            if len(found) == count:
                break
    return found


async def test_stream_sends_snapshot_then_updates(
    live_server: str, admin_headers: dict[str, str]
) -> None:
    redis: Redis = Redis.from_url(os.environ["REDIS_URL"])
    await redis.delete(ACTIVE_RUNS)
    running = RunProgress(run_id=7, status="RUNNING", trigger="cron", scope="all", batches_total=2)
    await publish_progress(redis, running)
    try:
        async with (
            httpx.AsyncClient(base_url=live_server, timeout=10.0) as http,
            http.stream("GET", "/api/sync/events", headers=admin_headers) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            (snapshot,) = await _events(lines, 1)
            assert (snapshot["run_id"], snapshot["status"]) == (7, "RUNNING")
            running.batches_done = 1
            await publish_progress(redis, running)
            done = RunProgress(run_id=7, status="COMPLETED", trigger="cron", scope="all")
            await publish_progress(redis, done)
            updates = await _events(lines, 2)
        assert [(u["status"], u["percent"]) for u in updates] == [
            ("RUNNING", 50),
            ("COMPLETED", 100),
        ]
    finally:
        await redis.aclose()


async def test_stream_needs_a_user(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        response = await http.get("/api/sync/events")
    assert response.status_code == 401
