"""The safety net: every checkout form updated since the watermark, applied again.

The journal has been seen to miss events for a while (field notes §3: a form READY_FOR_PROCESSING
with only BOUGHT/FILLED_IN in the journal). So each run also lists forms (E3) with
`updatedAt.gte` = watermark - overlap, sorted by `updatedAt` ascending, 100 a page, and applies each
from the list (the list carries whole forms: no extra read). Forms this run already applied at the
same revision are skipped. Paging is by time, not offset alone: the next page starts at the last
form's `updatedAt` (already-seen forms skipped), so a form updated meanwhile cannot shift another
one out of view; only a page of forms sharing one timestamp steps on by offset.

The watermark moves to the `updatedAt` of the last form settled before the first failure (saved
per page, never backwards), in Allegro's clock, so our own clock's skew does not matter; only the
first, the account's start, is our time (real UTC, as Allegro's is), and the overlap covers skew.

History stays history: a form import never saw, whose line items were all bought and whose payment
(if any) finished by the account's start (`started_at`: when it was connected, at most an hour
before its first run), is left alone, as the journal pass never reads events from before its first
position. Without this, every order paid before the account was connected would be deducted when
it is shipped afterwards (shipping changes `updatedAt`). A form bought before but paid after the
start is a sale and is applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from server.domain.db import fetch
from server.domain.orders import save_watermark
from server.marketplaces.allegro.order_models import CheckoutForm
from server.orders.allegro_forms import FormRun, apply_form, parse_time

SORT = "updatedAt"


async def _known(account_id: int, forms: Sequence[CheckoutForm]) -> set[str]:
    """The ids among `forms` that import has recorded before."""
    rows = await fetch(
        "SELECT external_id FROM order_import WHERE account = {} AND external_id = ANY({})",
        account_id,
        [form.id for form in forms],
    )
    return {str(row["external_id"]) for row in rows}


def _history(run: FormRun, form: CheckoutForm) -> bool:
    """Whether the form was bought, and paid if it is, by the account's start."""
    moments = [parse_time(item.bought_at) for item in form.line_items]
    if form.payment is not None and form.payment.finished_at is not None:
        moments.append(parse_time(form.payment.finished_at))
    if run.started_at is None or not form.line_items:
        return False
    return all(moment is not None and moment <= run.started_at for moment in moments)


async def _settle(run: FormRun, form: CheckoutForm, known: set[str]) -> bool:
    run.report.safety_forms += 1
    if form.id in run.applied and run.applied[form.id] == form.revision:
        return True
    if form.id not in known and _history(run, form):
        run.report.history += 1
        return True
    return await apply_form(run, form)


async def safety_pass(run: FormRun, since: dt.datetime) -> dt.datetime | None:
    """Apply every form updated at or after `since`; returns the watermark saved, if any."""
    options, gte, offset = run.options, since, 0
    seen: set[str] = set()
    watermark: dt.datetime | None = None
    saved: dt.datetime | None = None
    held = False
    for _ in range(options.max_form_pages):
        page = await run.client.checkout_forms(
            updated_at_gte=gte, sort=SORT, offset=offset, limit=options.form_page_size
        )
        forms = [form for form in page.checkout_forms if form.id not in seen]
        known = await _known(run.account_id, forms) if forms else set()
        for form in forms:
            seen.add(form.id)
            held = not await _settle(run, form, known) or held
            updated = parse_time(form.updated_at)
            if not held and updated is not None:
                watermark = updated
        if watermark is not None and watermark != saved:
            await save_watermark(run.account_id, watermark)
            saved = watermark
        if len(page.checkout_forms) < options.form_page_size:
            break
        last = parse_time(page.checkout_forms[-1].updated_at)
        if last is None or last <= gte:
            offset += len(page.checkout_forms)
        else:
            gte, offset = last, 0
    if held:
        run.report.status = "partial"
    return watermark
