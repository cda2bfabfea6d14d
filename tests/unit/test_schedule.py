"""The reconciliation schedule: every `SYNC_INTERVAL_MINUTES`, never over an open full sync."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from server.sync.records import CronHistory
from server.sync.schedule import STALE_FULL_RUN, reconciliation_due

LAST = dt.datetime(2026, 11, 29, 10, 0, 0, 412_000, tzinfo=dt.UTC)
"""The newest cron run, opened a moment after its minute's tick."""


def _tick(minutes: int, *, seconds: float = 0.123) -> dt.datetime:
    """The cron's tick `minutes` whole minutes after LAST's minute."""
    start = LAST.replace(second=0, microsecond=0)
    return start + dt.timedelta(minutes=minutes, seconds=seconds)


def _due(now: dt.datetime, interval: int, open_started_at: dt.datetime | None = None) -> bool:
    history = CronHistory(now=now, last_started_at=LAST, open_started_at=open_started_at)
    return reconciliation_due(history, interval)


def _due_minutes(interval: int, horizon: int) -> list[int]:
    """The ticks within `horizon` minutes that start a run, each run becoming the newest."""
    last, started = LAST, []
    for minute in range(1, horizon + 1):
        now = _tick(minute)
        history = CronHistory(now=now, last_started_at=last, open_started_at=None)
        if reconciliation_due(history, interval):
            started.append(minute)
            last = now + dt.timedelta(milliseconds=300)
    return started


@pytest.mark.parametrize("interval", [1, 45, 60, 90, 1440])
def test_due_exactly_on_the_interval(interval: int) -> None:
    assert not _due(_tick(interval - 1, seconds=59.9), interval)
    assert _due(_tick(interval), interval)
    assert _due(_tick(interval + 7), interval)


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        (1, list(range(1, 181))),
        (45, [45, 90, 135, 180]),
        (60, [60, 120, 180]),
        (90, [90, 180]),
        (1440, []),
    ],
)
def test_cadence_over_three_hours(interval: int, expected: list[int]) -> None:
    assert _due_minutes(interval, 180) == expected


def test_a_day_apart_for_1440() -> None:
    assert _due_minutes(1440, 3 * 1440) == [1440, 2880, 4320]


def test_a_late_tick_still_counts_for_its_minute() -> None:
    assert _due(_tick(45, seconds=0.01), 45)
    late_start = LAST.replace(second=58)
    history = CronHistory(now=_tick(45), last_started_at=late_start, open_started_at=None)
    assert reconciliation_due(history, 45)


@pytest.mark.parametrize(
    ("interval", "due_at"),
    [(1, 10 * 60 + 1), (45, 10 * 60 + 30), (60, 11 * 60), (90, 10 * 60 + 30), (1440, 24 * 60)],
)
def test_without_a_previous_run_the_first_falls_on_the_clocks_grid(
    interval: int, due_at: int
) -> None:
    """From 10:01 UTC on, the first tick due (minutes after midnight of LAST's day)."""
    midnight = LAST.replace(hour=0, minute=0, second=0, microsecond=0)
    ticks = [_tick(n) for n in range(1, 1441)]
    due = [
        t
        for t in ticks
        if reconciliation_due(
            CronHistory(now=t, last_started_at=None, open_started_at=None), interval
        )
    ]
    assert due, interval
    assert (due[0] - midnight) // dt.timedelta(minutes=1) == due_at


def test_without_a_previous_run_an_open_one_still_blocks() -> None:
    history = CronHistory(now=_tick(0), last_started_at=None, open_started_at=_tick(0))
    assert not reconciliation_due(history, 1)


def test_an_open_run_blocks_even_when_the_interval_has_passed() -> None:
    assert not _due(_tick(200), 30, open_started_at=LAST)
    assert not _due(_tick(1), 1, open_started_at=LAST)


def test_a_stale_open_run_blocks_nothing() -> None:
    now = LAST + STALE_FULL_RUN + dt.timedelta(seconds=1)
    assert _due(now, 30, open_started_at=LAST)
    assert not _due(now - dt.timedelta(seconds=2), 30, open_started_at=LAST)
    custom = CronHistory(now=_tick(31), last_started_at=LAST, open_started_at=LAST)
    assert reconciliation_due(custom, 30, stale_after=dt.timedelta(minutes=20))
    assert not reconciliation_due(custom, 30, stale_after=dt.timedelta(minutes=40))


def test_the_interval_counts_from_a_stale_runs_start() -> None:
    stale = LAST + STALE_FULL_RUN + dt.timedelta(minutes=1)
    assert not _due(stale, 1440, open_started_at=LAST)
    assert _due(LAST + dt.timedelta(minutes=1440), 1440, open_started_at=LAST)


def _by_hand(
    now: dt.datetime, *, open_at: dt.datetime | None = None, completed_at: dt.datetime | None = None
) -> CronHistory:
    """The newest cron run opened at LAST and closed, and a full sync started by hand."""
    return CronHistory(
        now=now,
        last_started_at=LAST,
        open_started_at=None,
        full_open_started_at=open_at,
        full_completed_started_at=completed_at,
    )


def test_an_open_full_sync_started_by_hand_holds_the_cron_off() -> None:
    assert reconciliation_due(_by_hand(_tick(30)), 30)
    assert not reconciliation_due(_by_hand(_tick(30), open_at=_tick(29)), 30)
    assert not reconciliation_due(_by_hand(_tick(200), open_at=_tick(2)), 30), "however late"
    history = CronHistory(
        now=_tick(0), last_started_at=None, open_started_at=None, full_open_started_at=_tick(0)
    )
    assert not reconciliation_due(history, 1), "also before the cron ever ran"


def test_a_stale_open_full_sync_started_by_hand_blocks_nothing() -> None:
    opened = _tick(10)
    now = opened + STALE_FULL_RUN + dt.timedelta(seconds=1)
    assert reconciliation_due(_by_hand(now, open_at=opened), 30)
    assert not reconciliation_due(_by_hand(now - dt.timedelta(seconds=2), open_at=opened), 30)
    custom = _by_hand(_tick(31), open_at=_tick(5))
    assert reconciliation_due(custom, 30, stale_after=dt.timedelta(minutes=20))
    assert not reconciliation_due(custom, 30, stale_after=dt.timedelta(minutes=30))


def test_a_completed_full_sync_started_by_hand_restarts_the_interval() -> None:
    by_hand = _tick(20, seconds=41)
    assert not reconciliation_due(_by_hand(_tick(30), completed_at=by_hand), 30)
    assert not reconciliation_due(_by_hand(_tick(49, seconds=59), completed_at=by_hand), 30)
    assert reconciliation_due(_by_hand(_tick(50), completed_at=by_hand), 30)


def test_the_interval_counts_from_the_newest_reconciliation_of_either_kind() -> None:
    older = LAST - dt.timedelta(minutes=10)
    assert reconciliation_due(_by_hand(_tick(30), completed_at=older), 30), "the cron run is newer"
    history = CronHistory(
        now=_tick(45),
        last_started_at=None,
        open_started_at=None,
        full_completed_started_at=_tick(15),
    )
    assert reconciliation_due(history, 30), "no cron run yet: the sync by hand starts the count"
    assert not reconciliation_due(msgspec.structs.replace(history, now=_tick(44)), 30)


def test_a_full_sync_by_hand_that_overran_the_interval_is_followed_at_the_next_tick() -> None:
    """Opened 10 minutes after the cron run, it held the cron off until it completed at 95."""
    assert not reconciliation_due(_by_hand(_tick(95), open_at=_tick(10)), 30)
    assert reconciliation_due(_by_hand(_tick(96), completed_at=_tick(10)), 30)


def test_cadence_around_a_full_sync_started_by_hand() -> None:
    """Cron every 30 minutes from LAST; a sync by hand opened at minute 40 completes at 47."""
    started, last_cron = [], LAST
    for minute in range(1, 121):
        now = _tick(minute)
        by_hand = _tick(40) if minute >= 40 else None
        history = CronHistory(
            now=now,
            last_started_at=last_cron,
            open_started_at=None,
            full_open_started_at=by_hand if minute < 47 else None,
            full_completed_started_at=by_hand if minute >= 47 else None,
        )
        if reconciliation_due(history, 30):
            started.append(minute)
            last_cron = now
    assert started == [30, 70, 100]
