"""The journal pass: read `/order/events` from the cursor, settle each form, move the cursor.

Events are read in pages (≤ 1000) after the stored event id (`from` is exclusive). Each distinct
checkout form of a page is read once and applied (a form named by several events of one page is
fetched once). An event is done when its form is settled: applied, recorded as merged (404), or
quarantined. The cursor is saved once per page, at the last event before the first one whose
form is not settled, and never past it: a form that fails holds the cursor until it succeeds or is
quarantined. Later events are still applied meanwhile (each order stands alone, and applying is
idempotent), so one broken form delays nobody else's deduction.

Events from the hold on are kept for the run: when the safety net then applies a held form at the
very revision its last event names, the form is settled after all and the cursor moves on in the
same run (`resume_after_safety_net`). Without this, a form whose E4 read keeps failing while the
list shows it would hold the cursor forever: each success of the safety net resets its failures.
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


def _first_unsettled(events: Sequence[OrderEventRef], settled: dict[str, bool]) -> int | None:
    """The index of the first event whose form is not settled, if any.

    An event without a checkout form (contract E1: a BOUGHT may lack it) has nothing to apply.
    """
    for index, event in enumerate(events):
        form_id = _form_id(event)
        if form_id is not None and not settled.get(form_id, False):
            return index
    return None


async def _advance(run: FormRun, events: Sequence[OrderEventRef], cursor: str | None) -> str | None:
    """Save the cursor at the last event before the first unsettled one; keep the rest held."""
    stop = _first_unsettled(events, run.settled)
    done = events if stop is None else events[:stop]
    run.held_events = [] if stop is None else list(events[stop:])
    if done and done[-1].id != cursor:
        await run.options.save_progress(run.account_id, done[-1].id)
        return done[-1].id
    return cursor


async def events_pass(run: FormRun, cursor: str | None) -> str | None:
    """Read and apply the journal after `cursor`; returns the cursor as now saved."""
    options, after = run.options, cursor
    for _ in range(options.max_event_pages):
        events = await run.client.order_event_refs(
            after=after, types=EVENT_TYPES, limit=options.event_page_size
        )
        if not events:
            break
        run.report.events += len(events)
        run.settled.update(await _settle_page(run, events))
        if run.held_events:
            run.held_events.extend(events)
        else:
            cursor = await _advance(run, events, cursor)
        after = events[-1].id
        if len(events) < options.event_page_size:
            break
    return cursor


async def resume_after_safety_net(run: FormRun, cursor: str | None) -> str | None:
    """Move a held cursor past forms the safety net applied at their last event's revision."""
    latest: dict[str, str | None] = {}
    for event in run.held_events:
        form = event.order.checkout_form
        if form is not None:
            latest[form.id] = form.revision
    for form_id, revision in latest.items():
        if revision is not None and run.applied.get(form_id) == revision:
            run.settled[form_id] = True
    return await _advance(run, run.held_events, cursor)
