"""What the engine is given (clients, a scheduler, Redis) and how it tracks a run's batches.

The engine knows nothing of arq: the worker hands it a `Scheduler` that enqueues the next jobs.
Marketplace clients come from `ClientSource`s (the connectors), one fresh client per job, so each
push counts only its own requests (`RequestMeter`).

A run's progress lives in Redis under `TRACK_KEY` sets, all written with SADD so a job that runs
twice counts once: the accounts expected and planned, the batches planned and done. The run is
over when every expected account has been planned and every planned batch is done; whichever job
makes that true finishes the run (`finish_run` only closes an open run, so a race is harmless).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from redis.asyncio import Redis

from server.domain.accounts import AccountRecord
from server.domain.locks import DEFAULT_LOCK_TTL_S, extend_locks
from server.marketplaces.allegro.client import AllegroClient
from server.marketplaces.wix.client import WixClient
from server.sync import records
from server.sync.alerts import alert_run_finished
from server.sync.progress import progress_from_run, publish_progress

TRACK_KEY = "stockbridge:sync:track:{run_id}:{part}"
TRACK_TTL_S = 2 * 24 * 3600
LOCK_RETRY_DEFER_S = 2.0
"""How long a batch waits before trying SKUs another job held."""
LOCK_RETRIES = 5
"""Times a batch waits whole for SKUs another job holds; as many more rounds pushing what it
can lock follow before the rest is SKIPPED."""


class WixClients(Protocol):
    """Builds a Wix client for one account (`WixConnector` fits)."""

    def client(self, account: AccountRecord) -> AbstractAsyncContextManager[WixClient]:
        """A client for the account's site, closed on exit."""
        ...


class AllegroClients(Protocol):
    """Builds an Allegro client for one account (`AllegroConnector` fits)."""

    def client(self, account: AccountRecord) -> AbstractAsyncContextManager[AllegroClient]:
        """An authorised client for the account, closed on exit."""
        ...


class Scheduler(Protocol):
    """Enqueues the engine's next jobs (arq in the worker)."""

    async def sync_account(self, run_id: int, account_id: int) -> None:
        """Queue one account's read-and-plan job."""
        ...

    async def sync_batch(
        self, run_id: int, account_id: int, batch: dict[str, Any], *, defer_s: float = 0.0
    ) -> None:
        """Queue one batch (`batch` is `BatchJob` as builtins)."""
        ...

    async def sync_dirty(self, token: str, *, defer_s: float = 0.0) -> None:
        """Queue the event path's drain job under `token` (a successor, its flag handed over)."""
        ...


@dataclasses.dataclass(frozen=True)
class EngineDeps:
    """Everything an engine function needs besides the database."""

    redis: Redis
    wix: WixClients
    allegro: AllegroClients
    scheduler: Scheduler
    batch_size: int = 100
    lock_retry_s: float = LOCK_RETRY_DEFER_S


@asynccontextmanager
async def locks_kept(redis: Redis, skus: Sequence[str], owner: str) -> AsyncIterator[None]:
    """Extend the owner's locks every third of their TTL while the block runs (a long push).

    A killed worker stops extending, so its SKUs are free one TTL later.
    """

    async def beat() -> None:
        while True:
            await asyncio.sleep(DEFAULT_LOCK_TTL_S / 3)
            await extend_locks(redis, skus, owner)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _key(run_id: int, part: str) -> str:
    return TRACK_KEY.format(run_id=run_id, part=part)


async def track(redis: Redis, run_id: int, part: str, *members: str) -> int:
    """Add members to one of the run's sets; returns how many were new."""
    if not members:
        return 0
    key = _key(run_id, part)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.sadd(key, *members)
        pipe.expire(key, TRACK_TTL_S)
        added, _ = await pipe.execute()
    return int(added)


async def is_tracked(redis: Redis, run_id: int, part: str, member: str) -> bool:
    """Whether a member is already in one of the run's sets."""
    found = await redis.sismember(_key(run_id, part), member)  # type: ignore[misc]
    return bool(found)


async def tally(redis: Redis, run_id: int) -> dict[str, int]:
    """Sizes of the run's sets: accounts expected/planned, batches planned/done."""
    parts = ("accounts", "planned_accounts", "batches", "done")
    async with redis.pipeline(transaction=True) as pipe:
        for part in parts:
            pipe.scard(_key(run_id, part))
        sizes = await pipe.execute()
    return dict(zip(parts, (int(size) for size in sizes), strict=True))


async def report(redis: Redis, run_id: int, *, message: str = "") -> bool:
    """Publish the run's progress, finishing it first when all its work is done; True if over."""
    counts = await tally(redis, run_id)
    over = (
        counts["accounts"] > 0
        and counts["planned_accounts"] >= counts["accounts"]
        and counts["done"] >= counts["batches"]
    )
    run = await records.finish_run(run_id) if over else await records.get_run(run_id)
    if over:
        await alert_run_finished(redis, run)
    progress = progress_from_run(
        run, batches_total=counts["batches"], batches_done=counts["done"], message=message
    )
    await publish_progress(redis, progress)
    return over
