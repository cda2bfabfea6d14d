"""The top of a run: `sync_all_accounts` fans out, `sync_account` reads, plans and queues batches.

An account sync reads the marketplace once (Wix `get_all_stock`, Allegro `all_offers`: pages,
never a read per SKU), plans against the sellable quantities and records every planned listing
(`add_items`; problems as FAILED, dry runs as SKIPPED). Listings found in sync get their
`last_seen_quantity`. Batches of `SYNC_BATCH_SIZE` SKUs are merged (`merge_batches`) up to the
API's own limit per request (Wix V1 300, V3 and Allegro 1,000) and each merged group becomes one
`sync_batch` job holding all its SKU locks: the push then needs ⌈changed ÷ API limit⌉ writes
rather than ⌈changed ÷ 100⌉, at the price of larger lock sets (locks are per SKU, so another job
only waits for the SKUs it shares).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import msgspec

from server.domain.accounts import AccountRecord, get_account, list_accounts
from server.domain.sellable import SellableListing, sellable_for_account
from server.errors import DomainError
from server.marketplaces.errors import MarketplaceError
from server.sync import records
from server.sync.alerts import alert_marketplace_error
from server.sync.engine.deps import EngineDeps, is_tracked, report, track
from server.sync.engine.jobs import BatchJob
from server.sync.outcomes import BatchResult, RequestMeter
from server.sync.planner import (
    ALLEGRO_COMMAND_LIMIT,
    WIX_V1_RELATIVE_LIMIT,
    WIX_V3_BULK_LIMIT,
    Plan,
    PlannedListing,
    allegro_state_from_offers,
    merge_batches,
    plan_allegro,
    plan_wix,
    wix_state_from_rows,
)

logger = logging.getLogger(__name__)
DRY_RUN = "dry run"


async def sync_all_accounts(deps: EngineDeps, run_id: int) -> int:
    """Queue one `sync_account` per active account; returns how many were queued."""
    if not await records.mark_run_running(run_id):
        return 0
    accounts = await list_accounts(active=True)
    await track(deps.redis, run_id, "accounts", *(str(a.id) for a in accounts))
    for account in accounts:
        await deps.scheduler.sync_account(run_id, account.id)
    if not accounts:
        await track(deps.redis, run_id, "accounts", "none")
        await track(deps.redis, run_id, "planned_accounts", "none")
    await report(deps.redis, run_id, message=f"{len(accounts)} accounts queued")
    return len(accounts)


def planned_listing(row: SellableListing) -> PlannedListing:
    """The planner's view of a syncable listing."""
    return PlannedListing(
        listing_id=row.listing_id,
        sku=row.sku,
        sellable=row.sellable,
        wix_product_id=row.wix_product_id,
        wix_variant_id=row.wix_variant_id,
        wix_inventory_item_id=row.wix_inventory_item_id,
        allegro_offer_id=row.allegro_offer_id,
    )


async def read_and_plan(
    deps: EngineDeps, account: AccountRecord, listings: list[PlannedListing], spent: BatchResult
) -> tuple[Plan, int]:
    """The one read pass and the plan; also the items one request may carry on this API.

    The requests the read made (also when it fails) are written into `spent.requests`.
    """
    if account.marketplace == "wix":
        async with deps.wix.client(account) as client:
            meter = RequestMeter(client.session.http.stats)
            try:
                v1 = await client.session.catalog() == "V1"
                state = wix_state_from_rows(await client.get_all_stock())
            finally:
                meter.charge(spent)
        limit = WIX_V1_RELATIVE_LIMIT if v1 else WIX_V3_BULK_LIMIT
        return plan_wix(listings, state, deps.batch_size), limit
    async with deps.allegro.client(account) as client:
        meter = RequestMeter(client.http.stats)
        try:
            offers = allegro_state_from_offers(await client.all_offers())
        finally:
            meter.charge(spent)
    return plan_allegro(listings, offers, deps.batch_size), ALLEGRO_COMMAND_LIMIT


async def record_plan(run_id: int, account_id: int, plan: Plan, *, dry_run: bool) -> None:
    """Every planned listing and problem as a `sync_item`, in one INSERT."""
    status: records.ItemStatus = "SKIPPED" if dry_run else "PENDING"
    items = [
        records.NewSyncItem(
            listing_id=item.listing_id,
            account_id=account_id,
            sku=item.sku,
            local_quantity=item.target,
            new_quantity=item.target,
            marketplace_quantity_before=item.before,
            status=status,
            error=DRY_RUN if dry_run else None,
        )
        for item in plan.changed
    ]
    items += [
        records.NewSyncItem(
            listing_id=problem.listing_id,
            account_id=account_id,
            sku=problem.sku,
            local_quantity=problem.sellable or 0,
            new_quantity=problem.sellable or 0,
            marketplace_quantity_before=problem.before,
            status="FAILED",
            error=problem.message,
        )
        for problem in plan.problems
    ]
    await records.add_items(run_id, items)


async def record_read_failure(
    run_id: int, account_id: int, rows: Sequence[SellableListing], message: str
) -> None:
    """Every listing of an account whose read pass gave up becomes a FAILED item of the run.

    The failure is then visible on the run and retried by the next reconciliation.
    """
    await records.add_items(
        run_id,
        [
            records.NewSyncItem(
                listing_id=row.listing_id,
                account_id=account_id,
                sku=row.sku,
                local_quantity=row.sellable,
                new_quantity=row.sellable,
                status="FAILED",
                error=message[:500],
            )
            for row in rows
        ],
    )


async def sync_account(deps: EngineDeps, run_id: int, account_id: int) -> int:
    """Read, plan, record and queue one account's batches; returns the batches queued."""
    if not await records.mark_run_running(run_id):
        return 0
    run = await records.get_run(run_id)
    if run.scope == "account":  # the top job; a full run's top job tracked every account
        await track(deps.redis, run_id, "accounts", str(account_id))
    if await is_tracked(deps.redis, run_id, "planned_accounts", str(account_id)):
        return 0
    account = await get_account(account_id)
    rows = await sellable_for_account(account_id)
    spent = BatchResult()
    try:
        plan, limit = await read_and_plan(deps, account, [planned_listing(r) for r in rows], spent)
    except Exception as error:  # the run must still finish: report the account and go on
        if not isinstance(error, MarketplaceError | DomainError):
            logger.exception("read pass of account %s failed unexpectedly", account_id)
        await record_read_failure(run_id, account_id, rows, f"read pass failed: {error}")
        await records.bump_run_counters(run_id, requests=spent.requests)
        await alert_marketplace_error(account, error, run_id=run_id)
        await track(deps.redis, run_id, "planned_accounts", str(account_id))
        await report(deps.redis, run_id, message=f"{account.name}: read failed: {error}")
        return 0
    await records.bump_run_counters(run_id, requests=spent.requests)
    await record_plan(run_id, account_id, plan, dry_run=run.dry_run)
    sellable = {row.listing_id: row.sellable for row in rows}
    await records.update_listing_sync_state(
        [
            records.ListingSyncState(listing_id=i, last_seen_quantity=sellable[i])
            for i in plan.in_sync
        ]
    )
    groups = [] if run.dry_run else merge_batches(plan.batches, limit)
    jobs = [
        BatchJob(batch_id=f"{account_id}:{n}", items=[i for batch in group for i in batch])
        for n, group in enumerate(groups)
    ]
    await track(deps.redis, run_id, "batches", *(job.batch_id for job in jobs))
    for job in jobs:
        await deps.scheduler.sync_batch(run_id, account_id, msgspec.to_builtins(job))
    await track(deps.redis, run_id, "planned_accounts", str(account_id))
    await report(deps.redis, run_id, message=f"{account.name}: {len(plan.changed)} to push")
    return len(jobs)
