"""An Allegro checkout form as an `OrderSnapshot`, and applying one with its failures counted.

The form is always the one read now (E4, or a row of the E3 list), never an event's body. Its
`status` decides the phase: BOUGHT / FILLED_IN → PENDING, READY_FOR_PROCESSING → READY, CANCELLED
→ CANCELLED (BUYER_CANCELLED and AUTO_CANCELLED both leave it CANCELLED; for AUTO_CANCELLED the
contract assumes so, §9.11). A status Allegro may add later is a failure, counted and in the end
quarantined and alerted, never guessed. One Fulfillment forms (`fulfillment.provider.id` =
ALLEGRO) keep their lines as SKIPPED: Allegro's warehouse holds that stock (contract §7 E4 and
§9.15 call it a business decision; this is ours).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import msgspec

from server.domain.orders import (
    OrderLineIn,
    OrderPhase,
    OrderSnapshot,
    apply_order,
    mark_merged,
    record_order_failure,
)
from server.marketplaces.allegro.client import AllegroClient
from server.marketplaces.allegro.errors import AllegroApiError, AllegroReconnectRequired
from server.marketplaces.allegro.order_models import CheckoutForm, OrderEventRef
from server.marketplaces.errors import MarketplaceError, RateLimitedError
from server.orders.deps import ImportOptions, ImportReport

logger = logging.getLogger(__name__)

PHASES = {
    "BOUGHT": OrderPhase.PENDING,
    "FILLED_IN": OrderPhase.PENDING,
    "READY_FOR_PROCESSING": OrderPhase.READY,
    "CANCELLED": OrderPhase.CANCELLED,
}
ONE_FULFILLMENT = "ALLEGRO"
ONE_FULFILLMENT_REASON = "fulfilled by Allegro (One Fulfillment): Allegro's warehouse holds it"
ACCOUNT_LEVEL_STATUSES = (401, 403)
"""A form read refused for these is the account's problem (tokens, scope), not the form's."""


class UnknownStatusError(ValueError):
    """A checkout form status the importer does not know how to treat."""


def parse_time(value: str | None) -> dt.datetime | None:
    """An Allegro timestamp (`2018-10-12T10:12:32.321Z`), or None when absent or unreadable."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def form_snapshot(form: CheckoutForm) -> OrderSnapshot:
    """The order as the form shows it now."""
    phase = PHASES.get(form.status)
    if phase is None:
        raise UnknownStatusError(f"unknown checkout form status {form.status!r}")
    provider = form.fulfillment.provider if form.fulfillment else None
    skip = ONE_FULFILLMENT_REASON if provider and provider.id == ONE_FULFILLMENT else None
    lines = tuple(
        OrderLineIn(
            external_line_id=item.id,
            quantity=item.quantity,
            name=item.offer.name,
            offer_id=item.offer.id,
            external_sku=item.offer.external.id if item.offer.external else None,
            skip_reason=skip,
        )
        for item in form.line_items
    )
    return OrderSnapshot(
        external_id=form.id,
        phase=phase,
        status=form.status,
        lines=lines,
        revision=form.revision,
        buyer=form.buyer.login if form.buyer else "",
        updated_at=parse_time(form.updated_at),
    )


@dataclasses.dataclass
class FormRun:
    """One import run of one account: its client, options, report and what it applied."""

    account_id: int
    client: AllegroClient
    options: ImportOptions
    report: ImportReport
    restock_on_cancel: bool = True
    started_at: dt.datetime | None = None
    """When import began for the account (forms bought by then and never seen are history)."""
    applied: dict[str, str | None] = dataclasses.field(default_factory=dict)
    """Form id → revision applied in this run (the safety net skips what the journal did)."""
    settled: dict[str, bool] = dataclasses.field(default_factory=dict)
    """Form id → settled by its latest read in this run's journal pass (or by the safety net)."""
    held_events: list[OrderEventRef] = dataclasses.field(default_factory=list)
    """The journal from the first event whose form is not settled on (the cursor waits there)."""


async def count_failure(run: FormRun, form_id: str, error: Exception) -> bool:
    """Count a form's failure; True once it is quarantined (and alerted): move past it then."""
    text = f"{type(error).__name__}: {error}"
    logger.warning("account %d: checkout form %s failed: %s", run.account_id, form_id, text)
    run.report.failed += 1
    quarantined = await record_order_failure(run.account_id, form_id, text)
    run.report.quarantined += int(quarantined)
    return quarantined


async def apply_form(run: FormRun, form: CheckoutForm) -> bool:
    """Apply a form read just now; True when it is settled (applied, or quarantined)."""
    try:
        result = await apply_order(
            run.account_id, form_snapshot(form), restock_on_cancel=run.restock_on_cancel
        )
    except Exception as error:
        return await count_failure(run, form.id, error)
    run.applied[form.id] = form.revision
    run.report.applied += 1
    run.report.deducted += result.deducted
    run.report.restocked += result.restocked
    run.report.conflicts += result.conflicts
    return True


def _account_level(error: MarketplaceError) -> bool:
    return isinstance(error, RateLimitedError | AllegroReconnectRequired) or (
        error.status in ACCOUNT_LEVEL_STATUSES
    )


async def fetch_and_apply(run: FormRun, form_id: str) -> bool:
    """Read a form (E4) and apply it; a 404 records a merged form. True when settled.

    Rate limits and refused tokens are the account's problem, not the form's: they propagate and
    end the run without counting against the form. A form our model cannot read counts against
    the form (and is quarantined in the end) instead of stopping every run.
    """
    try:
        form = await run.client.checkout_form(form_id)
    except msgspec.MsgspecError as error:
        return await count_failure(run, form_id, error)
    except MarketplaceError as error:
        if isinstance(error, AllegroApiError) and error.status == 404:
            await mark_merged(run.account_id, form_id)
            run.report.merged += 1
            return True
        if _account_level(error):
            raise
        return await count_failure(run, form_id, error)
    run.report.forms_fetched += 1
    return await apply_form(run, form)
