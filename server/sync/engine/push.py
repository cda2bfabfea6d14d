"""One push under held SKU locks: targets refreshed from the ledger, then the marketplace write.

The plan was made from the read pass; stock may have moved since. Inside the locks the targets
are recomputed (`sellable_for_account`, one query), so what goes out is what the warehouse can
sell now. A listing no longer syncable (switched off, deactivated) is SKIPPED. Wix V1 gets a
fresh read of its items (`read_wix_state`, deltas need it) unless the caller already read them
under the same locks (the event path's targeted read); Wix V3 writes with the revisions of
the read pass (Wix refuses a stale one and the client re-reads). An Allegro offer already showing
its new target is COMPLETED without a request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import msgspec

from server.domain.accounts import AccountRecord
from server.domain.sellable import sellable_for_account
from server.errors import DomainError
from server.marketplaces.errors import MarketplaceError
from server.marketplaces.wix.models import MAX_QUANTITY
from server.sync.alerts import alert_marketplace_error
from server.sync.allegro_push import push_allegro_batch
from server.sync.engine.deps import EngineDeps
from server.sync.outcomes import BatchResult, PushOutcome, RequestMeter
from server.sync.planner import PlanItem, WixItemState, WixKey
from server.sync.records import ListingSyncState
from server.sync.wix_push import push_wix_batch, read_wix_state

logger = logging.getLogger(__name__)
LEFT_ALONE = "left alone: sync switched off or listing inactive"


def _retarget(item: PlanItem, sellable: int, marketplace: str) -> PlanItem:
    if marketplace == "wix":
        return msgspec.structs.replace(item, target=min(sellable, MAX_QUANTITY))
    activate = item.allegro_status == "ENDED" and sellable >= 1
    return msgspec.structs.replace(item, target=sellable, activate=activate)


def _fail_all(items: Sequence[PlanItem], why: str) -> BatchResult:
    return BatchResult(
        outcomes=[
            PushOutcome(
                listing_id=item.listing_id,
                status="FAILED",
                marketplace_quantity_before=item.before,
                error=why,
            )
            for item in items
        ]
    )


def _v3_state(items: Sequence[PlanItem]) -> dict[WixKey, WixItemState]:
    """The read pass's view of the items (quantity and revision), as a V3 push needs it."""
    return {
        item.wix_key: WixItemState(
            product_id=item.wix_product_id or "",
            variant_id=item.wix_variant_id or "",
            inventory_item_id=item.wix_inventory_item_id,
            quantity=item.before,
            revision=item.revision,
        )
        for item in items
    }


async def _push_wix(
    deps: EngineDeps,
    account: AccountRecord,
    items: list[PlanItem],
    fresh: Mapping[WixKey, WixItemState] | None,
) -> BatchResult:
    async with deps.wix.client(account) as client:
        meter = RequestMeter(client.session.http.stats)  # the version GET and fresh read too
        v1 = await client.session.catalog() == "V1"
        if not v1:
            state = _v3_state(items)
        else:
            state = dict(fresh) if fresh is not None else await read_wix_state(client, items)
        return meter.charge(await push_wix_batch(client, items, state))


async def _push_allegro(
    deps: EngineDeps, account: AccountRecord, items: list[PlanItem]
) -> BatchResult:
    settled = [item for item in items if item.target == item.before]
    pending = [item for item in items if item.target != item.before]
    result = BatchResult()
    if pending:
        async with deps.allegro.client(account) as client:
            meter = RequestMeter(client.http.stats)
            result = meter.charge(await push_allegro_batch(client, pending))
    result.outcomes += [
        PushOutcome(
            listing_id=item.listing_id,
            status="COMPLETED",
            new_quantity=item.target,
            marketplace_quantity_before=item.before,
        )
        for item in settled
    ]
    return result


async def push_items(
    deps: EngineDeps,
    account: AccountRecord,
    items: Sequence[PlanItem],
    *,
    fresh_wix: Mapping[WixKey, WixItemState] | None = None,
) -> BatchResult:
    """Push the items (their SKU locks held by the caller); one outcome per item, never raises.

    `fresh_wix`: the items' Wix state, read under the same locks; a V1 push then needs no read
    of its own.

    Marketplace and credential errors become FAILED outcomes with their message; so does an
    unexpected error (logged with its traceback), so the run can still finish.
    """
    current = await sellable_for_account(account.id, listing_ids=[i.listing_id for i in items])
    sellable = {row.listing_id: row.sellable for row in current}
    live = [
        _retarget(item, sellable[item.listing_id], account.marketplace)
        for item in items
        if item.listing_id in sellable
    ]
    gone = [
        PushOutcome(
            listing_id=item.listing_id,
            status="SKIPPED",
            marketplace_quantity_before=item.before,
            error=LEFT_ALONE,
        )
        for item in items
        if item.listing_id not in sellable
    ]
    try:
        if not live:
            result = BatchResult()
        elif account.marketplace == "wix":
            result = await _push_wix(deps, account, live, fresh_wix)
        else:
            result = await _push_allegro(deps, account, live)
    except (MarketplaceError, DomainError) as error:
        result = _fail_all(live, str(error))
        await alert_marketplace_error(account, error)
    except Exception as error:  # a bug must not leave the run waiting for this batch forever
        logger.exception("push to account %s failed unexpectedly", account.id)
        result = _fail_all(live, f"unexpected error: {error!r}")
    result.outcomes += gone
    return result


def listing_states(outcomes: Sequence[PushOutcome]) -> list[ListingSyncState]:
    """What to remember on each listing after a push (nothing for SKIPPED ones)."""
    states = []
    for outcome in outcomes:
        if outcome.status == "COMPLETED":
            states.append(
                ListingSyncState(
                    listing_id=outcome.listing_id,
                    last_pushed_quantity=outcome.new_quantity,
                    last_seen_quantity=outcome.new_quantity,
                )
            )
        elif outcome.status == "FAILED":
            states.append(
                ListingSyncState(
                    listing_id=outcome.listing_id,
                    last_seen_quantity=outcome.marketplace_quantity_before,
                )
            )
    return states
