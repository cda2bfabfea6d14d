"""The sync hierarchy as arq jobs on real Redis and PostgreSQL against the sandboxes.

A full run converges every listing of a Wix V1, a Wix V3 and an Allegro account to sellable,
the run record is COMPLETED with its counters; running the same jobs again pushes nothing.
"""

from __future__ import annotations

import datetime as dt

from server import jobs
from server.domain.db import fetch
from server.sync import records
from server.sync.progress import latest_progress
from tests.worker.test_sync_jobs_env import (
    SITE_V3,
    SyncEnv,
    no_app_listeners,
    set_stock,
    sync_env,
)

__all__ = ["no_app_listeners"]

V1_WRITES = ("POST /stores/v2/inventoryItems/increment", "POST /stores/v2/inventoryItems/decrement")
V3_BULK = "POST /stores/v3/bulk/inventory-items/update"
ALLEGRO_PUTS = (
    "PUT /sale/offer-quantity-change-commands/{command_id}",
    "PUT /sale/offer-publication-commands/{command_id}",
)


def writes(env: SyncEnv) -> dict[str, int]:
    """Write requests each sandbox counted so far."""
    return {
        "v1": sum(env.wix_count(e) for e in V1_WRITES)
        + env.wix_count("PATCH /stores/v2/inventoryItems/product/{id}"),
        "v3": env.wix_count(V3_BULK),
        "allegro": sum(env.allegro_count(e) for e in ALLEGRO_PUTS),
    }


async def full_sync(env: SyncEnv) -> records.SyncRunRecord:
    """Start a run as the API does, run its jobs to the end and return the run."""
    run_id = await jobs.start_sync(env.pool, trigger="api", scope="all")
    worker = await env.run_jobs()
    assert worker.jobs_failed == 0
    return await records.get_run(run_id)


async def test_full_sync_converges_and_records_the_run() -> None:
    async with sync_env() as env:
        before = await env.drift()
        assert all(n > 0 for n in before.values()), before
        run = await full_sync(env)
        assert await env.drift() == {"v1": 0, "v3": 0, "allegro": 0}
        assert run.status == "COMPLETED"
        assert run.pushed == sum(before.values())
        assert run.failed == 0 and run.planned == run.pushed
        assert run.requests > 0
        counts = writes(env)
        # One merged batch per account: at most one increment and one decrement on V1, one
        # bulk update on V3, one command per distinct target (plus END/ACTIVATE) on Allegro.
        assert counts["v1"] <= 2 and counts["v3"] == 1, counts
        progress = await latest_progress(env.pool, run.id)
        assert progress is not None and progress.status == "COMPLETED"
        assert progress.batches_done == progress.batches_total >= 3  # waits count as batches
        listings = await fetch(
            "SELECT count(*) AS n FROM listing WHERE last_sync_at IS NOT NULL "
            "AND last_seen_quantity IS NOT NULL"
        )
        assert listings[0]["n"] >= run.pushed


async def test_same_run_twice_pushes_nothing_more() -> None:
    async with sync_env() as env:
        run = await full_sync(env)
        counts = writes(env)
        # The run's jobs again, as if arq delivered each a second time.
        await env.pool.enqueue_job(jobs.SYNC_ALL_ACCOUNTS, run.id, _job_id="again-all")
        for name, account_id in env.accounts.items():
            await env.pool.enqueue_job(
                jobs.SYNC_ACCOUNT, run.id, account_id, _job_id=f"again-{name}"
            )
        worker = await env.run_jobs()
        assert worker.jobs_failed == 0
        assert writes(env) == counts
        assert await records.get_run(run.id) == run
        # A new run finds everything in sync: reads only.
        second = await full_sync(env)
        assert writes(env) == counts
        assert second.status == "COMPLETED" and second.planned == 0


async def test_zero_stock_ends_an_offer_and_restock_reactivates_it() -> None:
    async with sync_env() as env:
        await full_sync(env)
        sku = next(s for s, o in env.allegro_offers().items() if o.status == "ACTIVE")
        await set_stock(sku, 0)
        await full_sync(env)
        assert env.allegro_offers()[sku].status == "ENDED"
        assert env.wix_shown("11111111-1111-4111-8111-1111111111e1")[sku] == 0
        await set_stock(sku, 12)
        await full_sync(env)
        offer = env.allegro_offers()[sku]
        assert (offer.status, offer.available) == ("ACTIVE", 12)
        assert await env.drift() == {"v1": 0, "v3": 0, "allegro": 0}


async def test_dry_run_records_the_plan_and_pushes_nothing() -> None:
    async with sync_env() as env:
        drift = await env.drift()
        run_id = await jobs.start_sync(env.pool, trigger="api", scope="all", dry_run=True)
        await env.run_jobs()
        run = await records.get_run(run_id)
        assert writes(env) == {"v1": 0, "v3": 0, "allegro": 0}
        assert run.status == "COMPLETED" and run.skipped == sum(drift.values())
        items = await records.list_run_items(run_id, status="SKIPPED", limit=100)
        assert {item.error for item in items.items} == {"dry run"}


async def test_batch_and_product_jobs_twice_push_once() -> None:
    async with sync_env() as env:
        run = await full_sync(env)
        counts = writes(env)
        account = env.accounts["v3"]
        await set_stock("SB-00005", 33)
        item = {
            "batch_id": f"{account}:0",
            "items": [{"listing_id": 1, "sku": "SB-00005", "target": 33, "before": None}],
        }
        await env.pool.enqueue_job(jobs.SYNC_BATCH, run.id, account, item, _job_id="b-again")
        for n in range(2):
            await env.pool.enqueue_job(jobs.SYNC_PRODUCT, None, "SB-00005", _job_id=f"p{n}")
        worker = await env.run_jobs()
        assert worker.jobs_failed == 0
        after = writes(env)
        # The batch was done already: nothing. The SKU's push: once per account, then in sync.
        assert after["v1"] - counts["v1"] <= 1 and after["v3"] - counts["v3"] == 1, after
        assert env.wix_shown(SITE_V3)["SB-00005"] == 33


async def test_reconcile_never_overlaps_itself() -> None:
    async with sync_env() as env:
        earlier = await records.create_run("cron")
        await records.finish_run(earlier)
        await fetch("UPDATE sync_run SET created_at = now() - interval '1 day'")
        for n in range(2):
            await env.pool.enqueue_job(jobs.RECONCILE, _job_id=f"cron-{n}")
        worker = env.worker(max_jobs=1)
        await worker.main()
        await worker.close()
        runs = [r for r in (await records.list_runs()).items if r.id != earlier]
        assert [(r.trigger, r.status) for r in runs] == [("cron", "COMPLETED")]
        assert await env.drift() == {"v1": 0, "v3": 0, "allegro": 0}


async def test_an_account_job_outliving_a_redis_restart_does_not_complete_the_run() -> None:
    """A full run's account job that ran through a Redis restart (the top job's tracking of every
    account lost) pushes its account but cannot close the run COMPLETED for all of them: the run
    stays open until the closer, finding none of its jobs left, marks it FAILED."""
    async with sync_env() as env:
        run_id = await records.create_run("api", scope="all")
        await records.mark_run_running(run_id)
        account_id = env.accounts["v3"]
        job_id = jobs.account_job_id(run_id, account_id)
        await env.pool.enqueue_job(jobs.SYNC_ACCOUNT, run_id, account_id, _job_id=job_id)
        worker = await env.run_jobs()
        assert worker.jobs_failed == 0
        assert (await env.drift())["v3"] == 0
        assert (await records.get_run(run_id)).status == "RUNNING"
        assert await jobs.close_abandoned_runs(env.pool, age=dt.timedelta(0)) == [run_id]
        run = await records.get_run(run_id)
        assert (run.status, run.error) == ("FAILED", jobs.ABANDONED_ERROR)
