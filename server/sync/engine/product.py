"""Event-driven pushes: `sync_product` (every listing of a SKU) and `sync_listing` (one listing).

The SKU's lock is taken once for the whole push. Each account's listings of the SKU are read
from the marketplace (a targeted read made inside the lock: the fresh state Wix V1 deltas need),
planned and pushed. When the SKU changed again meanwhile (`Scheduler.take_dirty`), the push is
repeated, at most `DIRTY_ROUNDS` times; the cron reconciliation catches anything later.
"""

from __future__ import annotations

from itertools import groupby

from server.domain.accounts import AccountRecord, get_account
from server.domain.db import fetch_one
from server.domain.locks import LockRelease, acquire_many, new_lock_owner, release_many
from server.domain.sellable import SellableListing, listings_for_sku
from server.errors import DomainError
from server.marketplaces.errors import MarketplaceError
from server.sync import records
from server.sync.engine.account import planned_listing, record_plan
from server.sync.engine.batch import store_result
from server.sync.engine.deps import EngineDeps, locks_kept, report, track
from server.sync.engine.push import push_items
from server.sync.outcomes import BatchResult
from server.sync.planner import (
    Plan,
    PlanItem,
    PlannedListing,
    allegro_state_from_offers,
    plan_allegro,
    plan_wix,
)
from server.sync.wix_push import read_wix_state

DIRTY_ROUNDS = 3
"""Pushes of one SKU per job: the first and at most two more for changes made meanwhile."""


async def _plan_few(
    deps: EngineDeps, account: AccountRecord, listings: list[PlannedListing]
) -> Plan:
    """Read just these listings' items and plan them."""
    if account.marketplace == "wix":
        probes = [
            PlanItem(
                listing_id=listing.listing_id,
                sku=listing.sku,
                target=0,
                before=None,
                wix_product_id=listing.wix_product_id,
                wix_variant_id=listing.wix_variant_id,
            )
            for listing in listings
            if listing.wix_product_id and listing.wix_variant_id
        ]
        async with deps.wix.client(account) as client:
            state = await read_wix_state(client, probes) if probes else {}
        return plan_wix(listings, state, deps.batch_size)
    offer_ids = [listing.allegro_offer_id for listing in listings if listing.allegro_offer_id]
    async with deps.allegro.client(account) as client:
        offers = [offer async for offer in client.iter_offers(offer_ids=offer_ids)]
    return plan_allegro(listings, allegro_state_from_offers(offers), deps.batch_size)


async def _push_account(
    deps: EngineDeps, run_id: int, account_id: int, rows: list[SellableListing]
) -> BatchResult:
    account = await get_account(account_id)
    try:
        plan = await _plan_few(deps, account, [planned_listing(row) for row in rows])
    except (MarketplaceError, DomainError) as error:
        await report(deps.redis, run_id, message=f"{account.name}: read failed: {error}")
        return BatchResult()
    await record_plan(run_id, account_id, plan, dry_run=False)
    if not plan.changed:
        return BatchResult()
    result = await push_items(deps, account, plan.changed)
    await store_result(run_id, result)
    return result


async def _push_once(
    deps: EngineDeps, run_id: int, sku: str, listing_id: int | None
) -> list[BatchResult]:
    rows = [r for r in await listings_for_sku(sku) if listing_id in (None, r.listing_id)]
    return [
        await _push_account(deps, run_id, account_id, list(group))
        for account_id, group in groupby(rows, key=lambda row: row.account_id)
    ]


async def open_run(run_id: int | None, sku: str, job_id: str | None) -> int | None:
    """The run to record into: the given one (None if it already finished) or a new event run."""
    if run_id is None:
        return await records.create_run("event", scope="sku", sku=sku, arq_job_id=job_id)
    return run_id if await records.mark_run_running(run_id) else None


async def sync_product(
    deps: EngineDeps,
    run_id: int | None,
    sku: str,
    *,
    listing_id: int | None = None,
    job_id: str | None = None,
) -> bool:
    """Push the SKU's listings (or one of them); False when another job holds the SKU's lock.

    The caller retries later on False; the run stays open meanwhile.
    """
    run = await open_run(run_id, sku, job_id)
    if run is None:
        return True
    await records.mark_run_running(run, arq_job_id=job_id)
    owner = new_lock_owner("sync_product")
    if not (await acquire_many(deps.redis, [sku], owner)).acquired:
        return False
    failed: str | None = None
    try:
        for _ in range(DIRTY_ROUNDS):
            async with locks_kept(deps.redis, [sku], owner):
                results = await _push_once(deps, run, sku, listing_id)
            failed = next((o.error for r in results for o in r.failed), None)
            if not await deps.scheduler.take_dirty(sku):
                break
    finally:
        release = LockRelease(sku=sku, status="error" if failed else "success", error=failed)
        await release_many(deps.redis, owner, [release])
    await track(deps.redis, run, "accounts", "sku")
    await track(deps.redis, run, "planned_accounts", "sku")
    await report(deps.redis, run, message=f"{sku} pushed")
    return True


async def sku_of_listing(listing_id: int) -> str | None:
    """The SKU a listing sells, or None for an unknown listing."""
    row = await fetch_one("SELECT product FROM listing WHERE id = {}", listing_id)
    return None if row is None else str(row["product"])


async def sync_listing(
    deps: EngineDeps, run_id: int | None, listing_id: int, *, job_id: str | None = None
) -> bool:
    """Push one listing (retry of a single failure); False when its SKU is locked."""
    sku = await sku_of_listing(listing_id)
    if sku is None:
        return True
    return await sync_product(deps, run_id, sku, listing_id=listing_id, job_id=job_id)
