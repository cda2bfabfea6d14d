"""Import one Allegro account's orders: `import_allegro_account(deps, account_id)`.

One run: take the account's import lock (another importer holding it → `busy`, at once), open a
client, start the cursor if the account is new, run the journal pass (`allegro_events`), then the
safety net (`allegro_safety`). Exactly-once deduction does not depend on the lock: every order is
applied in one transaction keyed by (account, checkout form id, line item id), so two importers
racing, a replayed page or a run killed before its cursor save deduct nothing twice.

A new account starts "now": at the journal's latest event (E2), whose time is kept as the
account's start; the safety net leaves alone forms bought by then that import never saw, so
history from before import began is not imported (a seller counts stock as it stands then).
Allegro already lowered its own offer's stock at purchase; the fan-out that follows a deduction
pushes absolute quantities, so nothing is subtracted twice there either.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from server.connectors.alerts import alert_marketplace_error
from server.domain.accounts import get_account
from server.domain.alerts import Alert, raise_alert
from server.domain.orders import load_cursor, start_cursor
from server.marketplaces.allegro.client import AllegroClient
from server.marketplaces.allegro.errors import AllegroReconnectRequired
from server.orders.allegro_events import events_pass, resume_after_safety_net
from server.orders.allegro_forms import FormRun, account_restocks, parse_time
from server.orders.allegro_safety import safety_pass
from server.orders.deps import ImportOptions, ImportReport, OrderImportDeps
from server.orders.lock import account_import_lock


class StartPoint(msgspec.Struct, frozen=True, kw_only=True):
    """Where this run reads from: the event cursor, the safety net's lower bound, the start."""

    event_id: str | None
    since: dt.datetime
    started_at: dt.datetime | None


async def _start_point(
    client: AllegroClient, account_id: int, options: ImportOptions
) -> StartPoint:
    """The stored position; a new account starts at the journal's latest event, in one write.

    An account whose journal was empty when it started has a watermark but no event id, and
    reads the journal from its beginning, all of which is then new.
    """
    cursor = await load_cursor(account_id)
    if cursor.event_id is None and cursor.watermark is None:
        latest = await client.latest_event()
        started = (parse_time(latest.occurred_at) if latest else None) or options.now()
        cursor = await start_cursor(account_id, latest.id if latest else None, started)
    since = (cursor.watermark or options.now()) - options.overlap
    return StartPoint(event_id=cursor.event_id, since=since, started_at=cursor.started_at)


async def _run(client: AllegroClient, account_id: int, options: ImportOptions) -> ImportReport:
    report = ImportReport(account_id=account_id)
    start = await _start_point(client, account_id, options)
    run = FormRun(
        account_id=account_id,
        client=client,
        options=options,
        report=report,
        restock_on_cancel=await account_restocks(account_id),
        started_at=start.started_at,
    )
    report.cursor = await events_pass(run, start.event_id)
    if options.safety_net:
        try:
            report.watermark = await safety_pass(run, start.since)
        except msgspec.MsgspecError as error:
            report.status = "partial"
            await _unreadable_list(account_id, error)
        else:
            if run.held_events:
                report.cursor = await resume_after_safety_net(run, report.cursor)
    if run.held_events:
        report.status = "partial"
    return report


async def _unreadable_list(account_id: int, error: Exception) -> None:
    """A page of forms that does not decode stops the safety net (its forms have no id to blame);
    the journal pass is unaffected. Alerted on every run until fixed: nothing fails silently."""
    await raise_alert(
        Alert(
            kind="order_safety_net_failed",
            key=f"order_safety_net:{account_id}",
            message=f"the Allegro order list could not be read: {error}",
            account_id=account_id,
        )
    )


async def import_allegro_account(
    deps: OrderImportDeps, account_id: int, options: ImportOptions | None = None
) -> ImportReport:
    """Import the account's new and changed orders once; see the module docstring."""
    options = options or ImportOptions()
    if not options.use_lock:
        return await _import(deps, account_id, options)
    async with account_import_lock(deps.redis, account_id, ttl_s=options.lock_ttl_s) as held:
        if not held:
            return ImportReport(account_id=account_id, status="busy")
        return await _import(deps, account_id, options)


async def _import(deps: OrderImportDeps, account_id: int, options: ImportOptions) -> ImportReport:
    account = await get_account(account_id)
    if not account.active:
        return ImportReport(account_id=account_id, status="inactive")
    try:
        async with deps.allegro.client(account) as client:
            return await _run(client, account.id, options)
    except AllegroReconnectRequired as error:
        await alert_marketplace_error(account, error)
        return ImportReport(account_id=account.id, status="not_connected")
