"""Pushes of a few SKUs under their locks: `sync_product` (every listing of a SKU, the API's
scope `sku`), `sync_listing` (one listing) and the building blocks of the event path's rounds.

Each account's listings are read from the marketplace with one targeted read made inside the
locks (the fresh state Wix V1 deltas need), planned, recorded and pushed; all accounts at once.
A push that cannot get its SKU's lock returns False and opens no run; the job retries and, when
it gives up, `give_up` closes the run FAILED, so no run is left RUNNING.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from server.domain.accounts import AccountRecord, get_account
from server.domain.db import fetch_one
from server.domain.locks import LockRelease, acquire_many, new_lock_owner, release_many
from server.domain.sellable import SellableListing, listings_for_sku
from server.errors import DomainError
from server.marketplaces.errors import MarketplaceError
from server.sync import dirty, records
from server.sync.alerts import alert_marketplace_error, alert_run_finished
from server.sync.engine.account import planned_listing, record_plan, record_read_failure
from server.sync.engine.batch import store_result
from server.sync.engine.deps import EngineDeps, locks_kept, report, track
from server.sync.engine.push import push_items
from server.sync.outcomes import BatchResult, RequestMeter
from server.sync.planner import (
    Plan,
    PlanItem,
    PlannedListing,
    WixItemState,
    WixKey,
    allegro_state_from_offers,
    plan_allegro,
    plan_wix,
)
from server.sync.progress import progress_from_run, publish_progress
from server.sync.wix_push import read_wix_state

logger = logging.getLogger(__name__)


async def plan_few(
    deps: EngineDeps,
    account: AccountRecord,
    listings: list[PlannedListing],
    spent: BatchResult | None = None,
) -> tuple[Plan, dict[WixKey, WixItemState] | None]:
    """Read just these listings' items and plan them; also the Wix state read (None: Allegro).

    The caller holds the SKU locks, so the Wix state is fresh enough for V1 deltas. The requests
    the read made (also when it fails) are written into `spent` when given.
    """
    spent = BatchResult() if spent is None else spent
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
            meter = RequestMeter(client.session.http.stats)
            try:
                state = await read_wix_state(client, probes) if probes else {}
            finally:
                meter.charge(spent)
        return plan_wix(listings, state, deps.batch_size), state
    offer_ids = [listing.allegro_offer_id for listing in listings if listing.allegro_offer_id]
    async with deps.allegro.client(account) as client:
        meter = RequestMeter(client.http.stats)
        try:
            offers = [offer async for offer in client.iter_offers(offer_ids=offer_ids)]
        finally:
            meter.charge(spent)
    return plan_allegro(listings, allegro_state_from_offers(offers), deps.batch_size), None


async def push_account(
    deps: EngineDeps, run_id: int, account_id: int, rows: list[SellableListing]
) -> BatchResult:
    """Read, plan, record and push one account's listings (their SKU locks held by the caller).

    A read that gives up fails the account's listings on the run (left to the reconciliation);
    an unexpected error is logged and does the same, so the run can still finish.
    """
    account = await get_account(account_id)
    read = BatchResult()
    try:
        plan, wix_state = await plan_few(
            deps, account, [planned_listing(row) for row in rows], read
        )
    except Exception as error:
        if not isinstance(error, MarketplaceError | DomainError):
            logger.exception("targeted read of account %s failed unexpectedly", account_id)
        await record_read_failure(run_id, account_id, rows, f"read failed: {error}")
        await alert_marketplace_error(account, error, run_id=run_id)
        await store_result(run_id, read)
        await report(deps.redis, run_id, message=f"{account.name}: read failed: {error}")
        return read
    await record_plan(run_id, account_id, plan, dry_run=False)
    if not plan.changed:
        await store_result(run_id, read)
        return read
    result = await push_items(deps, account, plan.changed, fresh_wix=wix_state)
    result.requests += read.requests
    result.attempts += read.attempts
    await store_result(run_id, result)
    return result


async def push_rows(
    deps: EngineDeps, run_id: int, rows: Sequence[SellableListing]
) -> list[BatchResult]:
    """Push listings grouped by account, all accounts at once (each client is independent)."""
    by_account: dict[int, list[SellableListing]] = {}
    for row in rows:
        by_account.setdefault(row.account_id, []).append(row)
    pushes = (push_account(deps, run_id, a, group) for a, group in by_account.items())
    return list(await asyncio.gather(*pushes))


async def open_run(run_id: int | None, sku: str, job_id: str | None) -> int | None:
    """The run to record into: the given one (None if it already finished) or a new event run."""
    if run_id is None:
        return await records.create_run("event", scope="sku", sku=sku, arq_job_id=job_id)
    return run_id if await records.mark_run_running(run_id, arq_job_id=job_id) else None


async def sync_product(
    deps: EngineDeps,
    run_id: int | None,
    sku: str,
    *,
    listing_id: int | None = None,
    job_id: str | None = None,
) -> bool:
    """Push the SKU's listings (or one of them); False when another job holds the SKU's lock.

    The lock is taken before the run is opened, so a job waiting for it records nothing; the
    caller retries later and, when it gives up, calls `give_up`. Once the lock is held the run is
    closed whatever happens.
    """
    owner = new_lock_owner("sync_product")
    if not (await acquire_many(deps.redis, [sku], owner)).acquired:
        return False
    failed: str | None = None
    try:
        run = await open_run(run_id, sku, job_id)
        if run is None:
            return True
        error: str | None = None
        try:
            async with locks_kept(deps.redis, [sku], owner):
                rows = [
                    r for r in await listings_for_sku(sku) if listing_id in (None, r.listing_id)
                ]
                results = await push_rows(deps, run, rows)
            failed = next((o.error for r in results for o in r.failed), None)
        except BaseException as exc:
            error = failed = f"push failed: {exc!r}"[:500]
            raise
        finally:
            await close_run(deps, run, f"{sku} pushed", error=error)
    finally:
        release = LockRelease(sku=sku, status="error" if failed else "success", error=failed)
        await release_many(deps.redis, owner, [release])
    return True


async def close_run(
    deps: EngineDeps, run_id: int, message: str, *, error: str | None = None
) -> None:
    """Finish a one-step run (a SKU push or an event round; FAILED with `error`) and publish it."""
    if error is not None:
        await records.finish_run(run_id, error=error)
    await track(deps.redis, run_id, "accounts", "sku")
    await track(deps.redis, run_id, "planned_accounts", "sku")
    await report(deps.redis, run_id, message=message)


async def give_up(deps: EngineDeps, run_id: int | None, sku: str, waited_s: float) -> None:
    """A push that waited too long for its SKU's lock: its run FAILED, naming the wait.

    Without a run (an event push) the SKU goes to the event path's dirty set instead, so the
    drain job pushes it once the lock is free.
    """
    if run_id is None:
        token = dirty.new_token()
        if await dirty.mark(deps.redis, [sku], token):
            await deps.scheduler.sync_dirty(token)
        return
    await records.mark_run_running(run_id)
    message = f"gave up: SKU {sku} stayed locked by another sync for {waited_s:.0f} s"
    run = await records.finish_run(run_id, error=message)
    await alert_run_finished(deps.redis, run)
    await publish_progress(deps.redis, progress_from_run(run, message=message))


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
