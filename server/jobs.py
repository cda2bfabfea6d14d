"""Job names and how the web process (and the worker) enqueue them.

`server` never imports `worker`: jobs are enqueued by name through an arq pool. Run jobs have
deterministic ids (one per run). Stock changes take the event path: the listener adds the SKUs to
one Redis set of dirty SKUs (`server.sync.dirty`) and queues the one drain job `sync_dirty` if none
is queued or running; that job pushes the set in rounds of up to `SYNC_BATCH_SIZE` SKUs, so a burst
of changes becomes a few pushes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Literal

from arq import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix

from server.domain.hooks import StockChangeListener
from server.sync import dirty, records
from server.sync.engine.events import drain_job_of_round
from server.sync.progress import RunProgress, publish_progress

logger = logging.getLogger(__name__)

SYNC_ALL_ACCOUNTS = "sync_all_accounts"
SYNC_ACCOUNT = "sync_account"
SYNC_BATCH = "sync_batch"
SYNC_LISTING = "sync_listing"
SYNC_PRODUCT = "sync_product"
SYNC_DIRTY = "sync_dirty"
RECONCILE = "reconcile"
DRAIN_DEFER_S = 0.5
"""How long the first change after a quiet spell waits for more before the drain job starts."""

Trigger = Literal["cron", "api", "bot", "event", "dashboard"]
Scope = Literal["all", "account", "sku"]


def run_job_id(run_id: int) -> str:
    """The arq job id of a run's top job."""
    return f"sync_run:{run_id}"


def account_job_id(run_id: int, account_id: int) -> str:
    """The arq job id of a run's read-and-plan job for one account."""
    return f"{SYNC_ACCOUNT}:{run_id}:{account_id}"


def batch_job_id(run_id: int, batch_id: str) -> str:
    """The arq job id of one batch of a run (a retried batch has a batch id of its own)."""
    return f"{SYNC_BATCH}:{run_id}:{batch_id}"


def drain_job_id(token: str) -> str:
    """The arq job id of one drain job: never reused, so arq never refuses it as a duplicate."""
    return f"{SYNC_DIRTY}:{token}"


def _top_job(scope: Scope) -> str:
    return {"all": SYNC_ALL_ACCOUNTS, "account": SYNC_ACCOUNT, "sku": SYNC_PRODUCT}[scope]


async def start_sync(
    arq: ArqRedis,
    *,
    trigger: Trigger,
    scope: Scope,
    account_id: int | None = None,
    sku: str | None = None,
    dry_run: bool = False,
) -> int:
    """Record a run, enqueue its top job and publish its first progress; returns the run id.

    Jobs take the run id (and the account id or SKU of their scope) as arguments; the job records
    its arq job id when it starts (`records.mark_run_running`).
    """
    run_id = await records.create_run(
        trigger, scope=scope, account_id=account_id, sku=sku, dry_run=dry_run
    )
    job_id = run_job_id(run_id)
    args: tuple[int | str, ...] = (run_id,)
    if scope == "account" and account_id is not None:
        args = (run_id, account_id)
    elif scope == "sku" and sku is not None:
        args = (run_id, sku)
    await arq.enqueue_job(_top_job(scope), *args, _job_id=job_id)
    await publish_progress(
        arq, RunProgress(run_id=run_id, status="PENDING", trigger=trigger, scope=scope)
    )
    return run_id


async def enqueue_drain(arq: ArqRedis, token: str, *, defer_s: float = 0.0) -> None:
    """Queue the drain job of `token` (its flag already claimed through `server.sync.dirty`)."""
    await arq.enqueue_job(SYNC_DIRTY, token, _job_id=drain_job_id(token), _defer_by=defer_s or None)


async def mark_dirty(arq: ArqRedis, skus: Sequence[str], *, defer_s: float = DRAIN_DEFER_S) -> bool:
    """Mark SKUs for the event path; True when this call queued the drain job.

    Otherwise a drain job is already queued or running and will see the SKUs (see
    `server.sync.dirty` for why no change can slip past it). With no SKUs: queue a drain job if
    anything waits and none is scheduled (a worker's start).
    """
    token = dirty.new_token()
    if not await dirty.mark(arq, skus, token):
        return False
    await enqueue_drain(arq, token, defer_s=defer_s)
    return True


def product_sync_listener(arq: ArqRedis) -> StockChangeListener:
    """The `on_stock_changed` listener: changed SKUs join the event path's dirty set."""

    async def listener(skus: list[str]) -> None:
        await mark_dirty(arq, skus)

    return listener


ABANDONED_AFTER = dt.timedelta(minutes=10)
"""How old an open run must be before it may be taken for abandoned (its jobs are long queued)."""
ABANDONED_ERROR = "abandoned: Redis holds none of its jobs any more (lost in a Redis restart)"
_LIVE_PREFIXES = (job_key_prefix, in_progress_key_prefix, retry_key_prefix)
"""arq keeps a job under these from enqueueing until it ends (its result key outlives it)."""


def _live_job_id(run: records.SyncRunRecord) -> str:
    """The arq job whose keys show the run alive: the one it records, or its top job's; for an
    event round (`sync_dirty:{token}:{n}`, no arq job's id) the drain job that runs it."""
    job_id = run.arq_job_id or run_job_id(run.id)
    if job_id.startswith(f"{SYNC_DIRTY}:"):
        return drain_job_of_round(job_id)
    return job_id


async def _has_live_job(arq: ArqRedis, run: records.SyncRunRecord) -> bool:
    """Whether arq still holds any job of the run: its top job, or one of its account or batch
    jobs, queued, running or waiting to be retried."""
    top = _live_job_id(run)
    if await arq.exists(*(prefix + top for prefix in _LIVE_PREFIXES)):
        return True
    for child in (f"{SYNC_ACCOUNT}:{run.id}:", f"{SYNC_BATCH}:{run.id}:"):
        async for key in arq.scan_iter(match=f"arq:*:{child}*", count=1000):
            if key.decode().startswith(_LIVE_PREFIXES):
                return True
    return False


async def close_abandoned_runs(arq: ArqRedis, *, age: dt.timedelta = ABANDONED_AFTER) -> list[int]:
    """Mark FAILED the open runs older than `age` of which arq holds no job; their ids.

    A run is finished by the last of its jobs to end (`server.sync.engine.deps.report`), so it
    lives while arq holds one of them: its top job (or, for an event round, the drain job running
    it) or one of its account or batch jobs, queued, running or waiting for a retry. A worker
    killed mid-run leaves its job behind and arq runs it again, so such a run is left alone. A
    Redis restart or flush loses them all, and nothing would ever finish the run: it would show
    RUNNING for good and, for a full sync, hold off the next reconciliation
    (`server.sync.schedule`). The run's tracking sets are no sign of life: a job that was running
    through the restart writes them again when it ends (the chaos soak left two runs RUNNING that
    way), yet no job is left to finish the run. The cron reconciliation closes such runs.

    Event rounds. A round's run records `sync_dirty:{token}:{n}` (`round_job_id`), which is no
    arq job's id, and writes its tracking sets only when it closes: looking for that id would
    find nothing, and a round still pushing after `age` (an Allegro command waiting out 429s may
    take up to `COMMAND_TIMEOUT_S`, 10 minutes, inside arq's 15-minute job timeout) would be
    closed FAILED under its live job. So a round is looked for by its drain job
    (`sync_dirty:{token}`): arq keeps that job's key from enqueueing until the job ends and its
    in-progress key while it runs, and the job waits for all its rounds before it ends. A live
    round is therefore always kept. A dead one (its worker killed) is kept while arq still holds
    its drain job, to run it again (a retried job's rounds reuse the open runs of the same round
    ids); once that job has ended, or Redis lost it, the next cron tick closes the round's run.
    """
    closed = []
    for run in await records.open_runs_opened_before(age):
        if await _has_live_job(arq, run):
            continue
        await records.finish_run(run.id, error=ABANDONED_ERROR)
        logger.warning("sync run %d abandoned: none of its jobs is left in Redis", run.id)
        closed.append(run.id)
    return closed
