"""The journal pass: read `/order/events` from the cursor, settle each form, move the cursor.

Events are read in pages (≤ 1000) after the stored event id (`from` is exclusive). Each distinct
checkout form of a page is read once and applied (a form named by several events of one page is
fetched once). An event is done when its form is settled: applied, recorded as merged (404), or
quarantined. The cursor is saved once per page, at the last event before the first one whose
form is not settled, and never past it: a form that fails holds the cursor until it succeeds or is
quarantined. Later events are still applied meanwhile (each order stands alone, and applying is
idempotent), so one broken form delays nobody else's deduction.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.marketplaces.allegro.order_models import OrderEventRef
from server.orders.allegro_forms import FormRun, fetch_and_apply

EVENT_TYPES = ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "BUYER_CANCELLED", "AUTO_CANCELLED")
"""The `type` filter: every documented type that changes a form's status. FULFILLMENT_STATUS_CHANGED
cannot. BUYER_MODIFIED appears in the event schema but not among the filter's documented values
(contract E1), so asking for it could be refused; a buyer's change moves `updatedAt`, and the
safety net reads the form then."""


def _form_id(event: OrderEventRef) -> str | None:
    form = event.order.checkout_form
    return None if form is None else form.id


async def _settle_page(run: FormRun, events: Sequence[OrderEventRef]) -> dict[str, bool]:
    """Form id → settled, each distinct form of the page read and applied once."""
    settled: dict[str, bool] = {}
    for event in events:
        form_id = _form_id(event)
        if form_id is not None and form_id not in settled:
            settled[form_id] = await fetch_and_apply(run, form_id)
    return settled


def _last_done(
    events: Sequence[OrderEventRef], settled: dict[str, bool]
) -> tuple[str | None, bool]:
    """The id of the last event before the first unsettled one, and whether one was unsettled.

    An event without a checkout form (contract E1: a BOUGHT may lack it) has nothing to apply.
    """
    last: str | None = None
    for event in events:
        form_id = _form_id(event)
        if form_id is not None and not settled[form_id]:
            return last, True
        last = event.id
    return last, False


async def events_pass(run: FormRun, cursor: str | None) -> str | None:
    """Read and apply the journal after `cursor`; returns the cursor as now saved."""
    options, after, held = run.options, cursor, False
    for _ in range(options.max_event_pages):
        events = await run.client.order_event_refs(
            after=after, types=EVENT_TYPES, limit=options.event_page_size
        )
        if not events:
            break
        run.report.events += len(events)
        settled = await _settle_page(run, events)
        if not held:
            last, held = _last_done(events, settled)
            if last is not None and last != cursor:
                await options.save_progress(run.account_id, last)
                cursor = last
        after = events[-1].id
        if len(events) < options.event_page_size:
            break
    if held:
        run.report.status = "partial"
    return cursor
