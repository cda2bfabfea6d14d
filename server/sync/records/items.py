"""Sync items: a run's planned listings and their outcomes, and the listings' last sync state.

Items are unique per (run, listing): adding a listing again keeps its item, and the run's
`planned`/`pushed`/`skipped`/`failed` counters move in the same statement as the items they count,
by the status changes actually made, so a job that records the same outcomes twice counts them
once. A COMPLETED item stays completed. Every write is one statement for any number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

import msgspec

from server.domain.db import fetch, fetch_one
from server.sync.records.paging import page_size, where_clause

ItemStatus = Literal["PENDING", "COMPLETED", "SKIPPED", "FAILED"]
OutcomeStatus = Literal["COMPLETED", "SKIPPED", "FAILED"]


class SyncItemRecord(msgspec.Struct, kw_only=True):
    """One listing's outcome in a run; `listing_id` is None once the listing was deleted."""

    id: int
    run_id: int
    listing_id: int | None
    account_id: int
    sku: str
    local_quantity: int
    marketplace_quantity_before: int | None
    new_quantity: int
    status: str
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class NewSyncItem(msgspec.Struct, kw_only=True, frozen=True):
    """A listing a run plans to push; a problem known up front may start FAILED or SKIPPED."""

    listing_id: int
    account_id: int
    sku: str
    local_quantity: int
    new_quantity: int
    marketplace_quantity_before: int | None = None
    status: ItemStatus = "PENDING"
    error: str | None = None


class ItemOutcome(Protocol):
    """What a push says about one listing (`server.sync.outcomes.PushOutcome` fits)."""

    @property
    def listing_id(self) -> int:
        """The listing the outcome belongs to."""

    @property
    def status(self) -> OutcomeStatus:
        """COMPLETED, SKIPPED or FAILED."""

    @property
    def new_quantity(self) -> int | None:
        """The quantity the marketplace shows now; None keeps the planned one."""

    @property
    def marketplace_quantity_before(self) -> int | None:
        """What the marketplace showed before; None keeps the stored one."""

    @property
    def error(self) -> str | None:
        """Why it failed or was skipped."""


class ListingSyncState(msgspec.Struct, kw_only=True, frozen=True):
    """What to remember on a listing after a sync; a None quantity keeps the stored one."""

    listing_id: int
    last_pushed_quantity: int | None = None
    last_seen_quantity: int | None = None


class ItemPage(msgspec.Struct, kw_only=True):
    """Items; pass the `next_cursor` back (`after` for a run's items, `before` for failures)."""

    items: list[SyncItemRecord]
    next_cursor: int | None


_ITEM_COLUMNS = (
    "SELECT id, run AS run_id, listing AS listing_id, account AS account_id, sku, local_quantity, "
    "marketplace_quantity_before, new_quantity, status, error, created_at, finished_at "
    "FROM sync_item "
)
# How the counters move for items going from status `was` (NULL: a new item) to `became`.
_MOVES = "SELECT count(*) FILTER (WHERE was IS NULL) AS planned, " + ", ".join(
    f"count(*) FILTER (WHERE became = '{status}') - count(*) FILTER (WHERE was = '{status}') "
    f"AS {counter}"
    for status, counter in (("COMPLETED", "pushed"), ("SKIPPED", "skipped"), ("FAILED", "failed"))
)
_COUNT_MOVES = (
    "counted AS (UPDATE sync_run r SET planned = r.planned + m.planned, "
    "pushed = r.pushed + m.pushed, skipped = r.skipped + m.skipped, failed = r.failed + m.failed "
    "FROM (" + _MOVES + " FROM moved) m WHERE r.id = {} RETURNING r.id) "
)


_ITEM_FIELDS = (
    "listing_id",
    "account_id",
    "sku",
    "local_quantity",
    "new_quantity",
    "marketplace_quantity_before",
    "status",
    "error",
)
"""The columns of `add_items`' unnest, in the order of its array types."""


async def add_items(run_id: int, items: Sequence[NewSyncItem]) -> dict[int, int]:
    """Record planned listings in one INSERT; returns item id by listing id (old ones included).

    A listing already in the run keeps its item as it is; the counters move only for new items.
    """
    if not items:
        return {}
    columns = ", ".join(_ITEM_FIELDS)
    rows = await fetch(
        "WITH input AS (SELECT * FROM unnest({}::int[], {}::int[], {}::text[], {}::int[], "
        f"{{}}::int[], {{}}::int[], {{}}::text[], {{}}::text[]) AS t({columns})), "
        "inserted AS (INSERT INTO sync_item (run, listing, account, sku, local_quantity, "
        "new_quantity, marketplace_quantity_before, status, error, created_at, finished_at) "
        f"SELECT {{}}, {columns}, now(), CASE WHEN status <> 'PENDING' THEN now() END FROM input "
        "ON CONFLICT (run, listing) DO NOTHING RETURNING id, listing, status), "
        "moved AS (SELECT NULL::text AS was, status AS became FROM inserted), "
        + _COUNT_MOVES
        + "SELECT id, listing FROM inserted UNION ALL SELECT s.id, s.listing FROM sync_item s "
        "WHERE s.run = {} AND s.listing IN (SELECT listing_id FROM input)",
        *_item_columns(items),
        run_id,
        run_id,
        run_id,
    )
    return {int(row["listing"]): int(row["id"]) for row in rows}


def _item_columns(items: Sequence[NewSyncItem]) -> list[list[Any]]:
    return [[getattr(item, name) for item in items] for name in _ITEM_FIELDS]


async def record_outcomes(run_id: int, outcomes: Sequence[ItemOutcome]) -> int:
    """Store push outcomes by listing in one statement; returns how many items changed.

    COMPLETED items stay completed; a None quantity keeps the stored one. The run's counters
    move by the status changes made, so recording the same outcomes twice counts them once.
    """
    latest = list({outcome.listing_id: outcome for outcome in outcomes}.values())
    if not latest:
        return 0
    row = await fetch_one(
        "WITH input AS (SELECT * FROM unnest({}::int[], {}::text[], {}::int[], {}::int[], "
        "{}::text[]) AS t(listing, status, new_quantity, before, error)), "
        "old AS (SELECT s.id, s.status AS was, i.status, i.new_quantity, i.before, i.error "
        "FROM sync_item s JOIN input i ON i.listing = s.listing "
        "WHERE s.run = {} AND s.status <> 'COMPLETED' ORDER BY s.id FOR UPDATE OF s), "
        "moved AS (UPDATE sync_item s SET status = o.status, error = o.error, "
        "new_quantity = COALESCE(o.new_quantity, s.new_quantity), "
        "marketplace_quantity_before = COALESCE(o.before, s.marketplace_quantity_before), "
        "finished_at = now() FROM old o WHERE s.id = o.id RETURNING o.was, s.status AS became), "
        + _COUNT_MOVES
        + "SELECT count(*) AS n FROM moved",
        [outcome.listing_id for outcome in latest],
        [outcome.status for outcome in latest],
        [outcome.new_quantity for outcome in latest],
        [outcome.marketplace_quantity_before for outcome in latest],
        [outcome.error for outcome in latest],
        run_id,
        run_id,
    )
    return int(row["n"]) if row else 0


async def update_listing_sync_state(states: Sequence[ListingSyncState]) -> int:
    """Set listings' last pushed/seen quantities and last sync time, in one statement."""
    if not states:
        return 0
    rows = await fetch(
        "UPDATE listing l SET last_pushed_quantity = COALESCE(t.pushed, l.last_pushed_quantity), "
        "last_seen_quantity = COALESCE(t.seen, l.last_seen_quantity), last_sync_at = now() "
        "FROM unnest({}::int[], {}::int[], {}::int[]) AS t(id, pushed, seen) "
        "WHERE l.id = t.id RETURNING l.id",
        [state.listing_id for state in states],
        [state.last_pushed_quantity for state in states],
        [state.last_seen_quantity for state in states],
    )
    return len(rows)


async def list_run_items(
    run_id: int, *, status: ItemStatus | None = None, limit: int = 100, after: int | None = None
) -> ItemPage:
    """A run's items in the order they were planned, optionally of one status."""
    limit = page_size(limit)
    conditions, args = where_clause(
        ("run = {}", run_id), ("status = {}", status), ("id > {}", after)
    )
    rows = await fetch(_ITEM_COLUMNS + conditions + "ORDER BY id LIMIT {}", *args, limit + 1)
    return _item_page(rows, limit)


async def list_failures(
    *, limit: int = 50, before: int | None = None, account_id: int | None = None
) -> ItemPage:
    """FAILED items of every run, newest first (the next reconciliation retries them)."""
    limit = page_size(limit)
    conditions, args = where_clause(
        ("account = {}", account_id), ("id < {}", before), fixed=["status = 'FAILED'"]
    )
    rows = await fetch(_ITEM_COLUMNS + conditions + "ORDER BY id DESC LIMIT {}", *args, limit + 1)
    return _item_page(rows, limit)


def _item_page(rows: list[dict[str, Any]], limit: int) -> ItemPage:
    items = [SyncItemRecord(**row) for row in rows[:limit]]
    return ItemPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


class AccountFailures(msgspec.Struct, kw_only=True, frozen=True):
    """A run's FAILED items on one account: how many, and the first one's SKU and error."""

    account_id: int
    account_name: str
    failed: int
    sku: str
    error: str | None


async def failures_by_account(run_id: int) -> list[AccountFailures]:
    """The run's FAILED items grouped by account (for one alert per account)."""
    rows = await fetch(
        "SELECT i.account AS account_id, a.name AS account_name, count(*) AS failed, "
        "(array_agg(i.sku ORDER BY i.id))[1] AS sku, "
        "(array_agg(i.error ORDER BY i.id))[1] AS error "
        "FROM sync_item i JOIN marketplace_account a ON a.id = i.account "
        "WHERE i.run = {} AND i.status = 'FAILED' GROUP BY i.account, a.name ORDER BY i.account",
        run_id,
    )
    return [AccountFailures(**row) for row in rows]
