"""Sync records (DESIGN §3, §5): `sync_run`, its `sync_item`s and the listings' last sync state.

Every write is set-based (one statement for many rows) and safe to repeat, because an arq job may
run twice: see `runs` (run lifecycle and counters) and `items` (planned listings and outcomes).
"""

from server.sync.records.items import (
    AccountFailures,
    ItemOutcome,
    ItemPage,
    ItemStatus,
    ListingSyncState,
    NewSyncItem,
    OutcomeStatus,
    SyncItemRecord,
    add_items,
    failures_by_account,
    list_failures,
    list_run_items,
    record_outcomes,
    update_listing_sync_state,
)
from server.sync.records.runs import (
    CronHistory,
    RunPage,
    RunStatus,
    Scope,
    SyncRunRecord,
    Trigger,
    bump_run_counters,
    create_run,
    cron_history,
    finish_run,
    get_run,
    list_runs,
    mark_run_running,
    open_runs_opened_before,
)

__all__ = [
    "AccountFailures",
    "CronHistory",
    "ItemOutcome",
    "ItemPage",
    "ItemStatus",
    "ListingSyncState",
    "NewSyncItem",
    "OutcomeStatus",
    "RunPage",
    "RunStatus",
    "Scope",
    "SyncItemRecord",
    "SyncRunRecord",
    "Trigger",
    "add_items",
    "bump_run_counters",
    "create_run",
    "cron_history",
    "failures_by_account",
    "finish_run",
    "get_run",
    "list_failures",
    "list_run_items",
    "list_runs",
    "mark_run_running",
    "open_runs_opened_before",
    "record_outcomes",
    "update_listing_sync_state",
]
