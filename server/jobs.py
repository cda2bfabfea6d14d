"""Job names and how the web process (and the worker) enqueue them.

`server` never imports `worker`: jobs are enqueued by name through an arq pool. Job ids are
deterministic where duplicates matter: one run job per run, and one pending `sync_product` per SKU,
so a burst of stock changes to one SKU becomes one push. A change that arrives while that SKU's job
is already queued or running marks the SKU dirty; the job pushes again before it finishes.
"""

from __future__ import annotations

import logging
from typing import Literal

from arq import ArqRedis

from server.domain.hooks import StockChangeListener
from server.sync import records
from server.sync.progress import RunProgress, publish_progress

logger = logging.getLogger(__name__)

SYNC_ALL_ACCOUNTS = "sync_all_accounts"
SYNC_ACCOUNT = "sync_account"
SYNC_BATCH = "sync_batch"
SYNC_LISTING = "sync_listing"
SYNC_PRODUCT = "sync_product"
RECONCILE = "reconcile"
PRODUCT_SYNC_DEFER_S = 1.0
"""How long a stock change waits for more changes to the same SKU before it is pushed."""
DIRTY_KEY = "stockbridge:sync:dirty:{sku}"
DIRTY_TTL_S = 3600

Trigger = Literal["cron", "api", "bot", "event", "dashboard"]
Scope = Literal["all", "account", "sku"]


def run_job_id(run_id: int) -> str:
    """The arq job id of a run's top job."""
    return f"sync_run:{run_id}"


def product_job_id(sku: str) -> str:
    """The arq job id of a SKU's event-driven push (one queued at a time)."""
    return f"sync_product:{sku}"


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
    its arq job id when it starts (`records.mark_run_running`). An event-driven `sync_product`
    gets `None` for the run id and opens its own run with trigger `event`.
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


async def enqueue_product_sync(arq: ArqRedis, sku: str) -> bool:
    """Queue a SKU's push after a short defer; False when one is already queued or running.

    In that case the SKU is marked dirty, and the running job pushes it once more.
    """
    job = await arq.enqueue_job(
        SYNC_PRODUCT, None, sku, _job_id=product_job_id(sku), _defer_by=PRODUCT_SYNC_DEFER_S
    )
    if job is None:
        await arq.set(DIRTY_KEY.format(sku=sku), b"1", ex=DIRTY_TTL_S)
        return False
    return True


async def take_dirty(arq: ArqRedis, sku: str) -> bool:
    """Whether the SKU changed again since its job started (and clear the mark)."""
    return bool(await arq.getdel(DIRTY_KEY.format(sku=sku)))


def product_sync_listener(arq: ArqRedis) -> StockChangeListener:
    """The `on_stock_changed` listener: every changed SKU gets an event-driven push."""

    async def listener(skus: list[str]) -> None:
        for sku in skus:
            await enqueue_product_sync(arq, sku)

    return listener
