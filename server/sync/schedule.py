"""When the cron reconciliation is due (DESIGN §1: "a full reconciliation at least every
`SYNC_INTERVAL_MINUTES`").

The worker's cron ticks every minute and asks `reconciliation_due`: a reconciliation starts when
`SYNC_INTERVAL_MINUTES` whole minutes have passed since the newest cron run was opened, so any
interval (45, 90, 1440…) keeps its cadence, not only those that divide an hour. Before the first
cron run the clock decides: the first one starts on a minute that is a whole number of intervals
since the Unix epoch (on the hour and half past for 30, at midnight UTC for 1440), as a plain
cron would. Times are compared by the minute (a tick that runs a little late still counts for
its minute), and both come from the database's clock. A cron run still PENDING or RUNNING blocks
the next one unless it is older than `STALE_CRON_RUN`: then its worker is taken for dead and the
run blocks nothing. A cron run open longer than one interval raises a `reconcile_stuck` alert.
"""

from __future__ import annotations

import datetime as dt

from server.sync import records
from server.sync.alerts import alert_stuck_reconciliation

STALE_CRON_RUN = dt.timedelta(hours=6)
"""An open cron run older than this is taken for dead (its worker was killed)."""


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def reconciliation_due(
    history: records.CronHistory,
    interval_minutes: int,
    *,
    stale_after: dt.timedelta = STALE_CRON_RUN,
) -> bool:
    """Whether the cron should start a reconciliation now.

    Not while a cron run opened less than `stale_after` ago is still open. Otherwise, when the
    cron never ran, on the minutes a whole number of intervals after the epoch; else once
    `interval_minutes` minutes of the clock have passed since the newest cron run was opened
    (a dead run's start counts too: the interval restarts from it).
    """
    now = history.now
    if history.open_started_at is not None and now - history.open_started_at < stale_after:
        return False
    if history.last_started_at is None:
        epoch_minutes = int(_minute(now).timestamp()) // 60
        return epoch_minutes % interval_minutes == 0
    elapsed = _minute(now) - _minute(history.last_started_at)
    return elapsed >= dt.timedelta(minutes=interval_minutes)


async def reconciliation_due_now(interval_minutes: int) -> bool:
    """`reconciliation_due` for the sync runs recorded in the database.

    A cron run still open after a whole interval did not finish in time: that raises an alert
    (`server.sync.alerts`; its cooldown keeps the minute-by-minute ticks to one message).
    """
    history = await records.cron_history()
    await alert_stuck_reconciliation(history.open_started_at, history.now, interval_minutes)
    return reconciliation_due(history, interval_minutes)
