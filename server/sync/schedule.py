"""When the cron reconciliation is due (DESIGN §1: "a full reconciliation at least every
`SYNC_INTERVAL_MINUTES`").

A full sync is a run of scope `all` that is not a dry run: it reads every account's listings and
pushes every difference. Every cron run is one; so is a full sync started by hand (API,
dashboard, bot).

The worker's cron ticks every minute and asks `reconciliation_due`. The rules:

- Never beside an open full sync. While any full sync, cron or by hand, is still PENDING or
  RUNNING the cron waits: two full runs at once would only share the marketplaces' rate limits.
  An open full sync older than `STALE_FULL_RUN` blocks nothing: its worker is taken for dead.
  (Runs whose jobs Redis lost are closed sooner, `server.jobs.close_abandoned_runs`; the age is
  the backstop for a run whose Redis traces outlive its worker.)
- What restarts the interval: the newest cron run, whatever its outcome (a failing cron run is
  tried again once an interval, not every minute; a dead run's start counts too), and the newest
  full sync started by hand that COMPLETED: it did everything a reconciliation does. A full sync
  by hand that FAILED (closed with an error, or every failed listing and none pushed, or closed
  as abandoned) does not count, nor does a dry run (it pushes nothing) or a run of one account
  or SKU: the cron keeps its cadence as if they had not run.
- A reconciliation starts once `SYNC_INTERVAL_MINUTES` whole minutes have passed since the
  newest of those was *opened*, not since it finished: a run reads the listings early on, so
  counting from its start keeps "at least every interval". So once a full sync by hand that
  held the cron off closes, the cron runs an interval after that sync was opened if it
  completed (at the next tick when it ran longer than that, as after a cron run that overran),
  and as if it never ran if it failed. Any interval (45, 90, 1440…) keeps its cadence, not only
  those that divide an hour.
- Before any of those ever ran the clock decides: the first one starts on a minute that is a
  whole number of intervals since the Unix epoch (on the hour and half past for 30, at midnight
  UTC for 1440), as a plain cron would.

Times are compared by the minute (a tick that runs a little late still counts for its minute),
and all come from the database's clock. A full sync (cron or by hand) open longer than one
interval raises a `reconcile_stuck` alert: it holds the reconciliation off.
"""

from __future__ import annotations

import datetime as dt

from server.sync import records
from server.sync.alerts import alert_stuck_reconciliation

STALE_FULL_RUN = dt.timedelta(hours=6)
"""An open full sync (cron or by hand) older than this is taken for dead (its worker was killed)."""


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _newest(*moments: dt.datetime | None) -> dt.datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known, default=None)


def blocked(history: records.CronHistory, stale_after: dt.timedelta = STALE_FULL_RUN) -> bool:
    """Whether a full sync (cron or by hand) opened less than `stale_after` ago is still open."""
    opened = _newest(history.open_started_at, history.full_open_started_at)
    return opened is not None and history.now - opened < stale_after


def last_reconciliation(history: records.CronHistory) -> dt.datetime | None:
    """When the newest reconciliation was opened: a cron run, or a completed full sync by hand."""
    return _newest(history.last_started_at, history.full_completed_started_at)


def reconciliation_due(
    history: records.CronHistory,
    interval_minutes: int,
    *,
    stale_after: dt.timedelta = STALE_FULL_RUN,
) -> bool:
    """Whether the cron should start a reconciliation now (the rules in the module docstring).

    Not while a full sync opened less than `stale_after` ago is still open. Otherwise, when no
    reconciliation ever ran, on the minutes a whole number of intervals after the epoch; else
    once `interval_minutes` minutes of the clock have passed since the newest was opened.
    """
    if blocked(history, stale_after):
        return False
    now, last = history.now, last_reconciliation(history)
    if last is None:
        epoch_minutes = int(_minute(now).timestamp()) // 60
        return epoch_minutes % interval_minutes == 0
    return _minute(now) - _minute(last) >= dt.timedelta(minutes=interval_minutes)


async def reconciliation_due_now(interval_minutes: int) -> bool:
    """`reconciliation_due` for the sync runs recorded in the database.

    A full sync still open after a whole interval did not finish in time and holds the
    reconciliation off: that raises an alert (`server.sync.alerts`; its cooldown keeps the
    minute-by-minute ticks to one message).
    """
    history = await records.cron_history()
    opened = _newest(history.open_started_at, history.full_open_started_at)
    await alert_stuck_reconciliation(opened, history.now, interval_minutes)
    return reconciliation_due(history, interval_minutes)
