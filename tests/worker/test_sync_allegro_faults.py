"""Allegro answering a share of 429s and 5xxs: the result is still sellable, counted once.

The client's back-off sleeps are replaced by no-ops (the sandbox's faults cost no real time).
A full sync plus at most one reconciliation must leave every Allegro offer at sellable; the run
counters must match its items; a push whose retries give up is a FAILED item carrying the
marketplace's message, and the next reconciliation pushes it.
"""

from __future__ import annotations

from typing import Literal

import pytest

from server import jobs
from server.connectors import allegro as allegro_connector
from server.marketplaces.retry import RetryPolicy
from server.sandboxes.common import FaultSettings
from server.sync import records
from tests.worker.test_sync_jobs_env import SyncEnv, no_app_listeners, no_sleep, sync_env

__all__ = ["no_app_listeners"]

CONVERGED = {"v1": 0, "v3": 0, "allegro": 0}
COMMAND_PATHS = ["/sale/offer-quantity-change-commands", "/sale/offer-publication-commands"]
SANDBOX_MESSAGES = ("Internal server error.", "Service unavailable.")


@pytest.fixture(autouse=True)
def instant_allegro_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allegro clients retry as configured but without waiting between attempts."""

    def policy(attempts: int, *, block_s: float = 0.0) -> RetryPolicy:
        """The connector's policy with a sleep that returns at once."""
        return RetryPolicy(attempts=attempts, sleep=no_sleep)

    monkeypatch.setattr(allegro_connector, "allegro_retry_policy", policy)


def injected_errors(env: SyncEnv) -> int:
    """Allegro API requests the sandbox answered with a 429 or a 5xx so far."""
    statuses = env.allegro_app.state.allegro.control.counters.statuses
    return sum(n for counter in statuses.values() for s, n in counter.items() if s >= 429)


def set_allegro_faults(env: SyncEnv, faults: FaultSettings) -> None:
    """Replace the Allegro sandbox's fault settings."""
    env.allegro_app.state.allegro.control.set_faults(faults)


async def full_sync(env: SyncEnv, trigger: Literal["api", "cron"] = "api") -> records.SyncRunRecord:
    """Start a run over every account, run its jobs to the end and return the record."""
    run_id = await jobs.start_sync(env.pool, trigger=trigger, scope="all")
    worker = await env.run_jobs()
    assert worker.jobs_failed == 0
    return await records.get_run(run_id)


async def items_by_status(run_id: int) -> dict[str, list[records.SyncItemRecord]]:
    """A run's items grouped by status."""
    grouped: dict[str, list[records.SyncItemRecord]] = {}
    after: int | None = None
    while True:
        page = await records.list_run_items(run_id, limit=100, after=after)
        for item in page.items:
            grouped.setdefault(item.status, []).append(item)
        if not page.items or len(page.items) < 100:
            return grouped
        after = page.items[-1].id


async def assert_counted_once(run: records.SyncRunRecord) -> None:
    """Each listing has one item in the run and the counters equal the item counts."""
    grouped = await items_by_status(run.id)
    listings = [item.listing_id for items in grouped.values() for item in items]
    assert len(listings) == len(set(listings)) == run.planned
    counts = {status: len(items) for status, items in grouped.items()}
    assert counts.get("COMPLETED", 0) == run.pushed, (counts, run)
    assert counts.get("FAILED", 0) == run.failed, (counts, run)
    assert counts.get("SKIPPED", 0) == run.skipped, (counts, run)


async def test_a_share_of_429s_and_5xxs_still_ends_at_sellable() -> None:
    async with sync_env() as env:
        faults = FaultSettings(
            share_429=0.1, share_5xx=0.15, retry_after_s=0.0, seed=7, path_prefixes=["/sale/"]
        )
        set_allegro_faults(env, faults)
        run = await full_sync(env)
        await assert_counted_once(run)
        if (await env.drift())["allegro"]:
            reconciliation = await full_sync(env, trigger="cron")
            await assert_counted_once(reconciliation)
        set_allegro_faults(env, FaultSettings())
        assert injected_errors(env) > 0
        assert await env.drift() == CONVERGED


async def test_pushes_that_give_up_are_failed_items_and_the_next_run_fixes_them() -> None:
    async with sync_env() as env:
        before = await env.drift()
        set_allegro_faults(env, FaultSettings(share_5xx=1.0, path_prefixes=COMMAND_PATHS, seed=3))
        run = await full_sync(env)
        await assert_counted_once(run)
        failed = (await items_by_status(run.id)).get("FAILED", [])
        assert failed and run.failed == len(failed) == before["allegro"], run
        assert {item.account_id for item in failed} == {env.accounts["allegro"]}
        assert all(any(m in (item.error or "") for m in SANDBOX_MESSAGES) for item in failed), [
            item.error for item in failed
        ]
        assert (await env.drift())["allegro"] == before["allegro"]
        set_allegro_faults(env, FaultSettings())
        reconciliation = await full_sync(env, trigger="cron")
        await assert_counted_once(reconciliation)
        assert reconciliation.failed == 0 and reconciliation.pushed == before["allegro"]
        assert await env.drift() == CONVERGED


async def test_a_read_pass_that_gives_up_is_recorded_as_a_failure() -> None:
    async with sync_env() as env:
        faults = FaultSettings(share_5xx=1.0, path_prefixes=["/sale/offers"], seed=5)
        set_allegro_faults(env, faults)
        run = await full_sync(env)
        assert (await env.drift())["allegro"] > 0
        assert run.status == "FAILED" or run.error is not None or run.failed > 0, run
