"""Sync runs: open, start, finish, count, read and page through `sync_run` rows.

A run opened again under the same arq job id while it is still open is the same run (a partial
unique index on `arq_job_id`); marking a run running or finishing it touches only open runs, so a
job that runs twice changes nothing the second time. Item outcomes move the item counters
themselves (`server.sync.records.items`); `bump_run_counters` is for the rest, such as requests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import msgspec

from server.domain.db import fetch, fetch_one
from server.errors import NotFoundError, ValidationFailedError
from server.sync.records.paging import page_size, where_clause

Trigger = Literal["cron", "api", "bot", "event", "dashboard"]
Scope = Literal["all", "account", "sku", "skus"]
"""`skus`: an event-driven round over several SKUs (they are listed by its items)."""
RunStatus = Literal["PENDING", "RUNNING", "COMPLETED", "FAILED"]


class SyncRunRecord(msgspec.Struct, kw_only=True):
    """One run with its counters (`pending` = planned items without an outcome yet)."""

    id: int
    trigger: str
    scope: str
    scope_account_id: int | None
    scope_sku: str | None
    dry_run: bool
    status: str
    planned: int
    pushed: int
    skipped: int
    failed: int
    requests: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    arq_job_id: str | None
    error: str | None

    @property
    def pending(self) -> int:
        """Planned items with no outcome yet."""
        return max(0, self.planned - self.pushed - self.skipped - self.failed)


class CronHistory(msgspec.Struct, kw_only=True, frozen=True):
    """What the reconciliation schedule reads: the database clock, its newest cron runs and
    its newest full syncs (scope `all`, not a dry run, any trigger: cron runs are full syncs too).
    """

    now: datetime
    last_started_at: datetime | None
    """When the newest cron run was opened (None: the cron never ran)."""
    open_started_at: datetime | None
    """When the newest cron run that is still PENDING or RUNNING was opened."""
    full_open_started_at: datetime | None = None
    """When the newest full sync that is still PENDING or RUNNING was opened."""
    full_completed_started_at: datetime | None = None
    """When the newest full sync that COMPLETED was opened (not when it finished)."""


class RunPage(msgspec.Struct, kw_only=True):
    """Runs newest first; pass `next_before` back as `before` for the next page."""

    items: list[SyncRunRecord]
    next_before: int | None


_OPEN = "status IN ('PENDING', 'RUNNING')"
_FULL = "scope = 'all' AND NOT dry_run"
"""A full sync: every account's listings read and every difference pushed."""
_RUN_COLUMNS = (
    "SELECT id, trigger, scope, scope_account AS scope_account_id, scope_sku, dry_run, status, "
    "planned, pushed, skipped, failed, requests, created_at, started_at, finished_at, "
    "arq_job_id, error FROM sync_run "
)


def _check_scope(scope: Scope, account_id: int | None, sku: str | None) -> None:
    wanted = {
        "all": (False, False),
        "account": (True, False),
        "sku": (False, True),
        "skus": (False, False),
    }[scope]
    if (account_id is not None, sku is not None) != wanted:
        raise ValidationFailedError(
            "scope 'all' takes no account or SKU, 'account' an account, 'sku' a SKU", field="scope"
        )


async def create_run(
    trigger: Trigger,
    *,
    scope: Scope = "all",
    account_id: int | None = None,
    sku: str | None = None,
    dry_run: bool = False,
    arq_job_id: str | None = None,
) -> int:
    """Open a PENDING run and return its id; the open run of the same arq job id is reused."""
    _check_scope(scope, account_id, sku)
    row = await fetch_one(
        "INSERT INTO sync_run (trigger, scope, scope_account, scope_sku, dry_run, status, "
        "arq_job_id, created_at) VALUES ({}, {}, {}, {}, {}, 'PENDING', {}, now()) "
        f"ON CONFLICT (arq_job_id) WHERE {_OPEN} DO UPDATE SET arq_job_id = EXCLUDED.arq_job_id "
        "RETURNING id",
        trigger,
        scope,
        account_id,
        sku,
        dry_run,
        arq_job_id,
    )
    assert row is not None
    return int(row["id"])


async def get_run(run_id: int) -> SyncRunRecord:
    """One run, or NotFoundError."""
    row = await fetch_one(_RUN_COLUMNS + "WHERE id = {}", run_id)
    if row is None:
        raise NotFoundError(f"no sync run with id {run_id}")
    return SyncRunRecord(**row)


async def mark_run_running(run_id: int, *, arq_job_id: str | None = None) -> bool:
    """Mark an open run RUNNING (its first start time kept); False if it has already finished."""
    row = await fetch_one(
        "UPDATE sync_run SET status = 'RUNNING', started_at = COALESCE(started_at, now()), "
        f"arq_job_id = COALESCE({{}}, arq_job_id) WHERE id = {{}} AND {_OPEN} RETURNING id",
        arq_job_id,
        run_id,
    )
    if row is None:
        await get_run(run_id)
        return False
    return True


async def finish_run(run_id: int, *, error: str | None = None) -> SyncRunRecord:
    """Close an open run: FAILED with an error or when items failed and none was pushed.

    Otherwise COMPLETED. A run already finished is returned unchanged.
    """
    await fetch(
        "UPDATE sync_run SET status = CASE WHEN {}::text IS NOT NULL OR (failed > 0 AND "
        "pushed = 0) THEN 'FAILED' ELSE 'COMPLETED' END, error = {}, finished_at = now() "
        f"WHERE id = {{}} AND {_OPEN}",
        error,
        error,
        run_id,
    )
    return await get_run(run_id)


async def open_runs_opened_before(age: timedelta) -> list[SyncRunRecord]:
    """Runs still PENDING or RUNNING that were opened more than `age` ago, oldest first."""
    rows = await fetch(
        _RUN_COLUMNS + f"WHERE {_OPEN} AND created_at < now() - {{}}::interval ORDER BY id", age
    )
    return [SyncRunRecord(**row) for row in rows]


async def bump_run_counters(
    run_id: int,
    *,
    planned: int = 0,
    pushed: int = 0,
    skipped: int = 0,
    failed: int = 0,
    requests: int = 0,
) -> None:
    """Add to a run's counters atomically (item outcomes already count themselves)."""
    row = await fetch_one(
        "UPDATE sync_run SET planned = planned + {}, pushed = pushed + {}, "
        "skipped = skipped + {}, failed = failed + {}, requests = requests + {} "
        "WHERE id = {} RETURNING id",
        planned,
        pushed,
        skipped,
        failed,
        requests,
        run_id,
    )
    if row is None:
        raise NotFoundError(f"no sync run with id {run_id}")


async def list_runs(
    *, limit: int = 20, before: int | None = None, status: RunStatus | None = None
) -> RunPage:
    """Runs newest first, `limit` at a time, older than run `before` when given."""
    limit = page_size(limit)
    conditions, args = where_clause(("id < {}", before), ("status = {}", status))
    rows = await fetch(_RUN_COLUMNS + conditions + "ORDER BY id DESC LIMIT {}", *args, limit + 1)
    runs = [SyncRunRecord(**row) for row in rows[:limit]]
    return RunPage(items=runs, next_before=runs[-1].id if len(rows) > limit else None)


async def cron_history() -> CronHistory:
    """The database's `now()` with the open times of the newest cron and full runs.

    One pass over `sync_run`, of which only cron runs and full syncs are looked at.
    """
    row = await fetch_one(
        "SELECT now() AS now, "
        "max(created_at) FILTER (WHERE trigger = 'cron') AS last_started_at, "
        f"max(created_at) FILTER (WHERE trigger = 'cron' AND {_OPEN}) AS open_started_at, "
        f"max(created_at) FILTER (WHERE {_FULL} AND {_OPEN}) AS full_open_started_at, "
        f"max(created_at) FILTER (WHERE {_FULL} AND status = 'COMPLETED') "
        f"AS full_completed_started_at FROM sync_run WHERE trigger = 'cron' OR ({_FULL})"
    )
    assert row is not None
    return CronHistory(**row)
