"""Import one Allegro account's orders: `import_allegro_account(deps, account_id)`.

One run: take the account's import lock (another importer holding it → `busy`, at once), open a
client, start the cursor if the account is new, run the journal pass (`allegro_events`), then the
safety net (`allegro_safety`). Exactly-once deduction does not depend on the lock: every order is
applied in one transaction keyed by (account, checkout form id, line item id), so two importers
racing, a replayed page or a run killed before its cursor save deduct nothing twice.

A new account's journal cursor starts at the latest event (E2; the journal is only read forward),
but its start time is when the account was connected (`connected_at`), not its first run: the
safety net, reading forms from that start less the overlap, applies forms bought since then that
the journal pass skipped, and leaves alone older ones import never saw, so history from before
the account was connected is not imported (a seller counts stock as it stands then) while an order
bought between connecting and a first run that failed or came late is still deducted, once.
Allegro already lowered its own offer's stock at purchase; the fan-out that follows a deduction
pushes absolute quantities, so nothing is subtracted twice there either.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from server.connectors.alerts import alert_marketplace_error
from server.domain.accounts import AccountRecord, get_account
from server.domain.alerts import Alert, raise_alert
from server.domain.orders import load_cursor, start_cursor
from server.marketplaces.allegro.client import AllegroClient
from server.marketplaces.allegro.errors import AllegroReconnectRequired
from server.orders.allegro_events import events_pass, resume_after_safety_net
from server.orders.allegro_forms import FormRun
from server.orders.allegro_safety import safety_pass
from server.orders.deps import ImportOptions, ImportReport, OrderImportDeps
from server.orders.lock import account_import_lock

MAX_BACKLOG = dt.timedelta(hours=1)
"""How far back a new account's import reaches at most: a long-dormant account's first run does
not deduct weeks of orders sold from stock counted since."""


class StartPoint(msgspec.Struct, frozen=True, kw_only=True):
    """Where this run reads from: the event cursor, the safety net's lower bound, the start."""

    event_id: str | None
    since: dt.datetime
    started_at: dt.datetime | None


def connected_at(account: AccountRecord) -> dt.datetime:
    """When StockBridge could first see the seller's orders: the account's `created_at`.

    Allegro tokens come only from the device flow, which needs the account to exist, so no order
    was visible before `created_at`. `credentials_updated_at` does not mark the connection: the
    device flow's token save leaves it as it is (token rotation is not an edit), and a client id
    or secret edited after connecting but before a first successful run would move it past orders
    already sold, losing their deduction. Starting at `created_at` instead may count an order
    bought while the seller was still confirming the device flow as a sale, which it is: the
    warehouse stock the seller entered is what it was sold from.
    """
    return account.created_at


def start_time(connected: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The start of a new account: its connection, at most `MAX_BACKLOG` ago, never later than now.

    Both are UTC instants compared with Allegro's timestamps, which are real UTC (the sandbox's
    clock is real time plus an offset only tests move).
    """
    return min(max(connected, now - MAX_BACKLOG), now)


async def _start_point(
    client: AllegroClient, account: AccountRecord, options: ImportOptions
) -> StartPoint:
    """The stored position; a new account starts at the journal's latest event, in one write.

    Its start time (and first watermark) is `start_time`, so the safety net covers the forms
    bought after the connection whose events come before the cursor. An account whose journal was
    empty when it started has a watermark but no event id, and reads the journal from its
    beginning, all of which is then new.
    """
    cursor = await load_cursor(account.id)
    if cursor.event_id is None and cursor.watermark is None:
        latest = await client.latest_event()
        started = start_time(connected_at(account), options.now())
        cursor = await start_cursor(account.id, latest.id if latest else None, started)
    since = (cursor.watermark or options.now()) - options.overlap
    return StartPoint(event_id=cursor.event_id, since=since, started_at=cursor.started_at)


async def _run(
    client: AllegroClient, account: AccountRecord, options: ImportOptions
) -> ImportReport:
    account_id = account.id
    report = ImportReport(account_id=account_id)
    start = await _start_point(client, account, options)
    run = FormRun(
        account_id=account_id,
        client=client,
        options=options,
        report=report,
        restock_on_cancel=account.restock_on_cancel,
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
            return await _run(client, account, options)
    except AllegroReconnectRequired as error:
        await alert_marketplace_error(account, error)
        return ImportReport(account_id=account.id, status="not_connected")
