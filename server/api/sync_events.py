"""`GET /api/sync/events`: live sync progress as Server-Sent Events.

The stream subscribes to the progress channel first, then sends the latest snapshot of every
active run, then every progress message as it is published (event `progress`, data: the JSON of
`encode_progress`), with a comment line as a ping when nothing was sent for `PING_INTERVAL_S`.
Nothing polls the database. A snapshot published while the stream starts may arrive twice;
messages carry the whole state of their run, so a repeat is harmless.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage
from redis.asyncio import Redis

from server.sync.progress import (
    RunProgress,
    active_progress,
    channel_for,
    decode_progress,
    encode_progress,
)
from server.web.guards import require_user

PING_INTERVAL_S = 15.0
EVENT = "progress"


def progress_message(progress: RunProgress) -> ServerSentEventMessage:
    """One SSE message carrying a run's progress."""
    return ServerSentEventMessage(
        data=encode_progress(progress).decode(), event=EVENT, id=progress.run_id
    )


async def progress_events(
    redis: Redis, *, ping_interval: float = PING_INTERVAL_S, limit: int | None = None
) -> AsyncIterator[ServerSentEventMessage]:
    """Active snapshots, then published progress (and pings); stops after `limit` published.

    `limit=None` streams until the client goes away (the endpoint); a number makes the source
    finite, which is how it is tested in-process.
    """
    channel = channel_for(redis)
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel)
    try:
        for snapshot in await active_progress(redis):
            yield progress_message(snapshot)
        sent = 0
        last = time.monotonic()
        while limit is None or sent < limit:
            message: dict[str, Any] | None = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=ping_interval
            )
            if message is not None and message.get("type") == "message":
                sent += 1
                last = time.monotonic()
                yield progress_message(decode_progress(message["data"]))
            elif time.monotonic() - last >= ping_interval:
                last = time.monotonic()
                yield ServerSentEventMessage(comment="ping")
    finally:
        await pubsub.unsubscribe(channel)
        await pubsub.aclose()  # type: ignore[no-untyped-call]


@get("/api/sync/events", guards=[require_user], tags=["sync"], operation_id="syncEvents")
async def sync_events(request: Request[Any, Any, Any]) -> ServerSentEvent:
    """Stream sync progress: active runs' snapshots first, then every update (SSE)."""
    redis: Redis = request.app.state.redis
    return ServerSentEvent(
        progress_events(redis), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
