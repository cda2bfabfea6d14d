"""Live progress of sync runs: workers publish, the web process streams it over SSE.

Every update goes two ways through Redis: a snapshot per run (`SNAPSHOT_KEY`, kept a day, so a
dashboard opened mid-run starts from the latest state) and a message on `CHANNEL` for everyone
listening. Running runs are listed in the `ACTIVE_RUNS` set. Nothing polls the database.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import msgspec
from redis.asyncio import Redis

from server.sync.records import SyncRunRecord

CHANNEL = "stockbridge:sync:events"
"""The channel's base name; `channel_for` adds the Redis database (pub/sub spans databases)."""
SNAPSHOT_KEY = "stockbridge:sync:run:{run_id}"
ACTIVE_RUNS = "stockbridge:sync:active"
SNAPSHOT_TTL_S = 24 * 3600
FINISHED = frozenset({"COMPLETED", "FAILED"})


class RunProgress(msgspec.Struct, kw_only=True):
    """Where a run stands; `batches_total` is 0 until the accounts have been planned."""

    run_id: int
    status: str
    trigger: str
    scope: str
    planned: int = 0
    pushed: int = 0
    skipped: int = 0
    failed: int = 0
    requests: int = 0
    batches_total: int = 0
    batches_done: int = 0
    message: str = ""
    updated_at: float = 0.0

    @property
    def percent(self) -> int:
        """0-100: finished batches over planned ones (100 once the run is over)."""
        if self.status in FINISHED:
            return 100
        if self.batches_total == 0:
            return 0
        return min(99, round(100 * self.batches_done / self.batches_total))


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(RunProgress)


def channel_for(redis: Redis) -> str:
    """The progress channel of the Redis database this client uses.

    Redis pub/sub channels are shared by every database of a server, so two deployments (or two
    test runs) on different databases of one server would otherwise hear each other.
    """
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"{CHANNEL}:{db}"


def progress_from_run(
    run: SyncRunRecord, *, batches_total: int = 0, batches_done: int = 0, message: str = ""
) -> RunProgress:
    """A progress message carrying a run record's counters."""
    return RunProgress(
        run_id=run.id,
        status=run.status,
        trigger=run.trigger,
        scope=run.scope,
        planned=run.planned,
        pushed=run.pushed,
        skipped=run.skipped,
        failed=run.failed,
        requests=run.requests,
        batches_total=batches_total,
        batches_done=batches_done,
        message=message,
    )


def encode_progress(progress: RunProgress) -> bytes:
    """The wire form of a progress message (JSON, with `percent` added)."""
    body = msgspec.to_builtins(progress)
    body["percent"] = progress.percent
    return _ENCODER.encode(body)


def decode_progress(raw: bytes | str) -> RunProgress:
    """A progress message from its wire form (`percent` is derived, so it is dropped)."""
    return _DECODER.decode(raw)


async def publish_progress(redis: Redis, progress: RunProgress) -> None:
    """Store the run's snapshot and tell every listener."""
    progress.updated_at = time.time()
    payload = encode_progress(progress)
    key = SNAPSHOT_KEY.format(run_id=progress.run_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, payload, ex=SNAPSHOT_TTL_S)
        if progress.status in FINISHED:
            pipe.srem(ACTIVE_RUNS, progress.run_id)
        else:
            pipe.sadd(ACTIVE_RUNS, progress.run_id)
        pipe.publish(channel_for(redis), payload)
        await pipe.execute()


async def latest_progress(redis: Redis, run_id: int) -> RunProgress | None:
    """The last snapshot of a run, if it is still kept."""
    raw = await redis.get(SNAPSHOT_KEY.format(run_id=run_id))
    return None if raw is None else decode_progress(raw)


async def active_progress(redis: Redis) -> list[RunProgress]:
    """Snapshots of the runs not finished yet, oldest first."""
    members: set[bytes] = await redis.smembers(ACTIVE_RUNS)  # type: ignore[misc]
    run_ids = sorted(int(member) for member in members)
    if not run_ids:
        return []
    raw = await redis.mget([SNAPSHOT_KEY.format(run_id=run_id) for run_id in run_ids])
    return [decode_progress(item) for item in raw if item is not None]


async def subscribe_progress(redis: Redis) -> AsyncIterator[RunProgress]:
    """Every progress message published from now on (until the caller stops iterating)."""
    channel = channel_for(redis)
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel)
    try:
        async for message in pubsub.listen():
            if message.get("type") == "message":
                yield decode_progress(message["data"])
    finally:
        await pubsub.unsubscribe(channel)
        await pubsub.aclose()  # type: ignore[no-untyped-call]
