"""Event-driven pushes, concurrent workers, stale Wix V3 revisions and sandbox faults.

A ledger change queues one `sync_product` job that brings every listing of the SKU to sellable;
a burst of changes to one SKU is one push (plus at most one re-push for changes made while it
was queued). Two workers on one queue never push the same SKU at the same time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest

from server import jobs
from server.domain import hooks
from server.domain.accounts import AccountRecord
from server.domain.locks import lock_key
from server.sandboxes.common import FaultSettings
from server.sandboxes.wix.admin import StockChange, apply_stock_change
from server.sandboxes.wix.app import wix_sandbox_of
from server.sync import records
from server.sync.engine import EngineDeps, batch, product
from server.sync.engine.push import push_items
from server.sync.outcomes import BatchResult
from server.sync.planner import PlanItem
from tests.worker.test_sync_jobs_env import (
    SITE_V1,
    SITE_V3,
    SyncEnv,
    no_app_listeners,
    set_stock,
    sync_env,
)

__all__ = ["no_app_listeners"]

V3_BULK = "POST /stores/v3/bulk/inventory-items/update"
CONVERGED = {"v1": 0, "v3": 0, "allegro": 0}


async def listen(env: SyncEnv) -> None:
    """Stock changes from now on enqueue `sync_product` on the env's queue."""
    hooks.add_stock_change_listener(jobs.product_sync_listener(env.pool))


async def queued(env: SyncEnv) -> int:
    """Jobs waiting on the env's queue."""
    return int(await env.pool.zcard(env.queue))


async def test_a_ledger_change_pushes_the_sku_everywhere() -> None:
    async with sync_env() as env:
        run_id = await jobs.start_sync(env.pool, trigger="api", scope="all")
        await env.run_jobs()
        assert (await records.get_run(run_id)).status == "COMPLETED"
        await listen(env)
        await set_stock("SB-00004", 17)
        assert await queued(env) == 1
        worker = await env.run_jobs()
        assert worker.jobs_complete == 1 and worker.jobs_failed == 0
        assert env.wix_shown(SITE_V1)["SB-00004"] == 17
        assert env.wix_shown(SITE_V3)["SB-00004"] == 17
        if "SB-00004" in env.allegro_offers():
            assert env.allegro_shown()["SB-00004"] == 17
        event_runs = [r for r in (await records.list_runs()).items if r.trigger == "event"]
        assert [(r.status, r.scope_sku) for r in event_runs] == [("COMPLETED", "SB-00004")]


async def test_a_burst_of_changes_is_one_push() -> None:
    async with sync_env() as env:
        await jobs.start_sync(env.pool, trigger="api", scope="all")
        await env.run_jobs()
        bulk = env.wix_count(V3_BULK)
        await listen(env)
        for quantity in range(21, 31):
            await set_stock("SB-00002", quantity)
        assert await queued(env) == 1
        await env.run_jobs()
        assert env.wix_shown(SITE_V3)["SB-00002"] == 30
        # One push; the re-push for changes made while the job was queued finds nothing to do.
        assert env.wix_count(V3_BULK) - bulk == 1
        assert await env.drift() == CONVERGED


class PushLog:
    """Wraps the engine's push to record which SKUs each push held, when, and for which owner.

    One owner may push several accounts at once under the same locks (an event round); two
    owners must never push the same SKU at the same time.
    """

    def __init__(self, push: Callable[..., Awaitable[BatchResult]]) -> None:
        """Record around `push`."""
        self.push = push
        self.spans: list[tuple[float, float, dict[str, str | None]]] = []

    async def __call__(
        self, deps: EngineDeps, account: AccountRecord, items: Sequence[PlanItem], **kw: Any
    ) -> BatchResult:
        """Push, noting the SKUs with their lock owners and the time span."""
        start = time.monotonic()
        skus = sorted({item.sku for item in items})
        held = await deps.redis.mget([lock_key(sku) for sku in skus])
        owners = {
            sku: None if o is None else bytes(o).decode() for sku, o in zip(skus, held, strict=True)
        }
        await asyncio.sleep(0.01)  # widen the window a race would need
        result = await self.push(deps, account, items, **kw)
        self.spans.append((start, time.monotonic(), owners))
        return result

    def unlocked(self) -> list[str]:
        """SKUs pushed without their lock held."""
        return [sku for _, _, owners in self.spans for sku, o in owners.items() if o is None]

    def overlaps(self) -> list[set[str]]:
        """SKUs pushed by two owners whose push time spans overlap."""
        clashes = []
        for n, (start, end, owners) in enumerate(self.spans):
            for other_start, other_end, other in self.spans[n + 1 :]:
                if start < other_end and other_start < end:
                    shared = {s for s in owners.keys() & other.keys() if owners[s] != other[s]}
                    if shared:
                        clashes.append(shared)
        return clashes


async def test_two_workers_never_push_the_same_sku_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = PushLog(push_items)
    monkeypatch.setattr(batch, "push_items", log)
    monkeypatch.setattr(product, "push_items", log)
    async with sync_env() as env:
        env.batch_size = 5
        await listen(env)
        await jobs.start_sync(env.pool, trigger="api", scope="all")
        for n in range(1, 11):
            await set_stock(f"SB-{n:05d}", 50 + n)
        first, second = env.worker(), env.worker()
        await asyncio.gather(first.main(), second.main())
        await first.close()
        await second.close()
        assert first.jobs_complete > 0 and second.jobs_complete > 0
        assert first.jobs_failed == second.jobs_failed == 0
        assert log.spans and log.unlocked() == [] and log.overlaps() == []
        assert await env.drift() == CONVERGED


class RaceFirstBulk(httpx.AsyncBaseTransport):
    """Before the first V3 bulk update, the seller edits a SKU (its revision moves on)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, edit: Callable[[], Any]) -> None:
        """Forward to `inner`; call `edit` once; keep the bulk updates' statuses."""
        self.inner, self.edit, self.done = inner, edit, False
        self.bulk_statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Edit first, then forward."""
        bulk = request.url.path.endswith("/bulk/inventory-items/update")
        if bulk and not self.done:
            self.done = True
            self.edit()
        response = await self.inner.handle_async_request(request)
        if bulk:
            self.bulk_statuses.append(response.status_code)
        return response


async def test_stale_v3_revision_is_re_read() -> None:
    holder: dict[str, Any] = {}

    def edit() -> None:
        sandbox = wix_sandbox_of(holder["env"].wix_app)
        apply_stock_change(
            sandbox, sandbox.sites[SITE_V3], StockChange(sku="SB-00003", quantity=99)
        )

    def race(inner: httpx.AsyncBaseTransport) -> RaceFirstBulk:
        transport = RaceFirstBulk(inner, edit)
        holder["race"] = transport
        return transport

    async with sync_env(wix_wrap=race) as env:
        holder["env"] = env
        run_id = await jobs.start_sync(env.pool, trigger="api", scope="all")
        await env.run_jobs()
        run = await records.get_run(run_id)
        assert run.status == "COMPLETED" and run.failed == 0
        # The batch holding SB-00003 meets one 409 and succeeds on its re-read revision (a batch
        # may be split first when another account's batch holds some of its SKU locks).
        statuses: list[int] = holder["race"].bulk_statuses
        assert statuses.count(409) == 1 and statuses[-1] == 200, statuses
        assert len(statuses) == env.wix_count(V3_BULK)
        assert await env.drift() == CONVERGED


async def test_faults_delay_but_the_result_is_sellable() -> None:
    async with sync_env() as env:
        faults = FaultSettings(share_429=0.15, share_5xx=0.2, seed=11)
        wix_sandbox_of(env.wix_app).control.set_faults(faults)
        for _ in range(2):  # the run, and at most one more reconciliation
            await jobs.start_sync(env.pool, trigger="cron", scope="all")
            await env.run_jobs()
            if (await env.drift())["v1"] == (await env.drift())["v3"] == 0:
                break
        wix_sandbox_of(env.wix_app).control.set_faults(FaultSettings())
        drift = await env.drift()
        assert drift == CONVERGED, drift
        assert wix_sandbox_of(env.wix_app).control.counters.count(V3_BULK) >= 1
