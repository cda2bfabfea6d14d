"""The cron reconciliation against real PostgreSQL and Redis: what it reads and when it starts.

Every test starts with no run's jobs or tracking sets in Redis (`runs_helpers`): the cron first
closes open runs of which Redis keeps no trace, so what it keeps is set up here, run by run. A
run that must stay open past the closer's 10 minutes is started through `jobs.start_sync`, whose
queued top job is the trace of a live run (the pool's queue is never worked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from arq import ArqRedis

from server import jobs
from server.domain.alerts import Alert
from server.domain.db import fetch
from server.settings import get_settings
from server.sync import records
from server.sync.schedule import STALE_FULL_RUN
from tests.integration.runs_helpers import runs_pool
from worker.jobs.sync import reconcile

LIVE_BUT_STALE = STALE_FULL_RUN + dt.timedelta(minutes=1)


@pytest.fixture
async def arq() -> AsyncIterator[ArqRedis]:
    """An arq pool on a queue of its own, no earlier test's run traces left in Redis."""
    async with runs_pool("schedule") as pool:
        yield pool


@pytest.fixture
def interval() -> int:
    """`SYNC_INTERVAL_MINUTES` of the tests' settings."""
    return get_settings().sync_interval_minutes


async def _age(run_id: int, age: dt.timedelta) -> None:
    """Pretend the run was opened `age` ago."""
    await fetch("UPDATE sync_run SET created_at = now() - {}::interval WHERE id = {}", age, run_id)


async def _run(
    trigger: records.Trigger,
    minutes_ago: int,
    *,
    finished: bool = True,
    error: str | None = None,
    dry_run: bool = False,
) -> int:
    """A full run opened `minutes_ago`, closed (FAILED with `error`) unless `finished` is False."""
    run_id = await records.create_run(trigger, dry_run=dry_run)
    if finished:
        await records.finish_run(run_id, error=error)
    await _age(run_id, dt.timedelta(minutes=minutes_ago))
    return run_id


async def _live(
    arq: ArqRedis,
    age: dt.timedelta,
    *,
    scope: jobs.Scope = "all",
    sku: str | None = None,
    dry_run: bool = False,
) -> int:
    """A run started by hand through the API path (its job queued, so it is alive), `age` old."""
    run_id = await jobs.start_sync(arq, trigger="api", scope=scope, sku=sku, dry_run=dry_run)
    await _age(run_id, age)
    return run_id


def _minutes_ago(history: records.CronHistory, moment: dt.datetime | None) -> int:
    assert moment is not None
    return round((history.now - moment).total_seconds() / 60)


async def test_history_reads_cron_runs_and_full_syncs() -> None:
    empty = await records.cron_history()
    assert (empty.last_started_at, empty.open_started_at) == (None, None)
    assert (empty.full_open_started_at, empty.full_completed_started_at) == (None, None)
    await _run("cron", 50, finished=False)
    await _run("cron", 20)
    await _run("api", 8)
    await _run("dashboard", 4, finished=False)
    await _run("bot", 3, error="boom")
    await _run("api", 2, dry_run=True)
    await _run("api", 1, finished=False, dry_run=True)
    await records.create_run("event", scope="sku", sku="SKU-1")
    history = await records.cron_history()
    assert _minutes_ago(history, history.last_started_at) == 20
    assert _minutes_ago(history, history.open_started_at) == 50
    assert _minutes_ago(history, history.full_open_started_at) == 4
    assert _minutes_ago(history, history.full_completed_started_at) == 8


async def test_reconcile_starts_a_run_once_the_interval_has_passed(
    arq: ArqRedis, interval: int
) -> None:
    await _run("cron", interval - 1)
    assert await reconcile({"redis": arq}) is None

    await fetch("UPDATE sync_run SET created_at = created_at - interval '1 minute'")
    run_id = await reconcile({"redis": arq})
    assert run_id is not None
    run = await records.get_run(run_id)
    assert (run.trigger, run.scope, run.status) == ("cron", "all", "PENDING")

    await _age(run_id, dt.timedelta(hours=3))
    assert await reconcile({"redis": arq}) is None, "the open cron run blocks the next one"
    assert (await records.get_run(run_id)).status == "PENDING", "its queued job keeps it alive"
    await _age(run_id, LIVE_BUT_STALE)
    assert await reconcile({"redis": arq}) is not None, "a stale open run blocks nothing"


async def test_reconcile_waits_while_a_full_sync_started_by_hand_is_open(
    arq: ArqRedis, interval: int
) -> None:
    await _run("cron", interval + 5)
    by_hand = await _live(arq, dt.timedelta(minutes=15))
    assert await reconcile({"redis": arq}) is None, "the open full sync by hand holds it off"
    assert (await records.get_run(by_hand)).status == "PENDING", "the closer left it alone"

    await records.finish_run(by_hand, error="Wix refused the login")
    run_id = await reconcile({"redis": arq})
    assert run_id is not None, "a failed sync by hand is no reconciliation: the cron is due"
    assert (await records.get_run(run_id)).trigger == "cron"


async def test_a_stale_full_sync_started_by_hand_blocks_nothing(
    arq: ArqRedis, interval: int
) -> None:
    await _run("cron", interval + 5)
    by_hand = await _live(arq, LIVE_BUT_STALE)
    assert await reconcile({"redis": arq}) is not None
    assert (await records.get_run(by_hand)).status == "PENDING"


async def test_open_dry_runs_and_single_sku_runs_do_not_hold_the_cron_off(
    arq: ArqRedis, interval: int
) -> None:
    await _run("cron", interval + 5)
    await _live(arq, dt.timedelta(minutes=15), dry_run=True)
    await _live(arq, dt.timedelta(minutes=15), scope="sku", sku="SKU-1")
    assert await reconcile({"redis": arq}) is not None


async def test_a_completed_full_sync_started_by_hand_counts_as_the_reconciliation(
    arq: ArqRedis, interval: int
) -> None:
    await _run("cron", 2 * interval)
    await _run("bot", interval - 1)
    assert await reconcile({"redis": arq}) is None, "the interval restarted from the bot's sync"

    await fetch("UPDATE sync_run SET created_at = created_at - interval '1 minute'")
    run_id = await reconcile({"redis": arq})
    assert run_id is not None
    assert (await records.get_run(run_id)).trigger == "cron"


async def test_failed_and_dry_full_syncs_by_hand_do_not_count(arq: ArqRedis, interval: int) -> None:
    await _run("cron", interval)
    await _run("api", 1, error="abandoned")
    await _run("dashboard", 1, dry_run=True)
    assert await reconcile({"redis": arq}) is not None


async def test_a_full_sync_by_hand_open_past_the_interval_raises_the_stuck_alert(
    arq: ArqRedis, interval: int, alerts: list[Alert]
) -> None:
    await _run("cron", interval + 5)
    by_hand = await _live(arq, dt.timedelta(minutes=interval - 1))
    assert await reconcile({"redis": arq}) is None
    assert alerts == []
    await _age(by_hand, dt.timedelta(minutes=interval + 1))
    assert await reconcile({"redis": arq}) is None
    assert [alert.kind for alert in alerts] == ["reconcile_stuck"]
