"""Sync runs and items against real PostgreSQL: lifecycle, bulk writes, counters, repeat safety."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from server.domain.accounts import NewAccount, create_account
from server.domain.db import fetch, fetch_one
from server.errors import NotFoundError, ValidationFailedError
from server.sync import records
from server.sync.outcomes import PushOutcome
from server.sync.records import ListingSyncState, NewSyncItem
from tests.integration.accounts_helpers import WIX_CREDENTIALS, add_products


@pytest.fixture
async def account(warehouses: list[str]) -> int:
    new = NewAccount(
        marketplace="wix", name="Shop", credentials=WIX_CREDENTIALS, source_warehouses=["A"]
    )
    return (await create_account(new)).id


async def _listings(account_id: int, count: int) -> list[int]:
    skus = [f"SKU-{n:05d}" for n in range(count)]
    await add_products(skus)
    rows = await fetch(
        "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, active, "
        "created_at, updated_at) SELECT {}, s, 'wp-' || s, 'wv-' || s, true, now(), now() "
        "FROM unnest({}::text[]) AS s ORDER BY s RETURNING id",
        account_id,
        skus,
    )
    return sorted(int(row["id"]) for row in rows)


def _items(account_id: int, listing_ids: list[int], target: int = 5) -> list[NewSyncItem]:
    return [
        NewSyncItem(
            listing_id=listing_id,
            account_id=account_id,
            sku=f"SKU-{n:05d}",
            local_quantity=target,
            new_quantity=target,
            marketplace_quantity_before=target + 1,
        )
        for n, listing_id in enumerate(listing_ids)
    ]


def _done(listing_id: int, status: str = "COMPLETED", **fields: object) -> PushOutcome:
    return PushOutcome(listing_id=listing_id, status=status, **fields)  # type: ignore[arg-type]


def _counters(run: records.SyncRunRecord) -> tuple[int, int, int, int]:
    return (run.planned, run.pushed, run.skipped, run.failed)


async def test_run_lifecycle(account: int) -> None:
    listings = await _listings(account, 3)
    run_id = await records.create_run("api", scope="account", account_id=account, dry_run=True)
    run = await records.get_run(run_id)
    assert (run.status, run.scope, run.scope_account_id, run.dry_run) == (
        "PENDING",
        "account",
        account,
        True,
    )
    assert run.started_at is None and run.finished_at is None

    assert await records.mark_run_running(run_id, arq_job_id="job-1")
    started = (await records.get_run(run_id)).started_at
    assert await records.mark_run_running(run_id)
    run = await records.get_run(run_id)
    assert (run.status, run.started_at, run.arq_job_id) == ("RUNNING", started, "job-1")

    ids = await records.add_items(run_id, _items(account, listings))
    assert sorted(ids) == listings
    assert (await records.get_run(run_id)).pending == 3
    outcomes = [_done(listings[0]), _done(listings[1]), _done(listings[2], "FAILED", error="429")]
    assert await records.record_outcomes(run_id, outcomes) == 3
    await records.bump_run_counters(run_id, requests=2)
    run = await records.finish_run(run_id)
    assert (run.status, run.error, run.requests, run.pending) == ("COMPLETED", None, 2, 0)
    assert _counters(run) == (3, 2, 0, 1)
    assert run.finished_at is not None

    again = await records.finish_run(run_id, error="late")
    assert again == run
    assert not await records.mark_run_running(run_id)
    with pytest.raises(NotFoundError):
        await records.mark_run_running(999_999)


async def test_a_run_fails_on_error_or_when_nothing_but_failures(account: int) -> None:
    listings = await _listings(account, 2)
    all_failed = await records.create_run("cron")
    await records.add_items(all_failed, _items(account, listings))
    await records.record_outcomes(
        all_failed, [_done(listings[0], "FAILED"), _done(listings[1], "SKIPPED")]
    )
    assert (await records.finish_run(all_failed)).status == "FAILED"

    crashed = await records.create_run("bot")
    run = await records.finish_run(crashed, error="credentials unreadable")
    assert (run.status, run.error, run.started_at) == ("FAILED", "credentials unreadable", None)

    nothing = await records.create_run("dashboard")
    assert (await records.finish_run(nothing)).status == "COMPLETED"


async def test_scopes_are_checked(account: int) -> None:
    sku_run = await records.get_run(await records.create_run("event", scope="sku", sku="SKU-1"))
    assert (sku_run.scope, sku_run.scope_sku, sku_run.scope_account_id) == ("sku", "SKU-1", None)
    for scope, kwargs in [
        ("account", {}),
        ("sku", {"account_id": account}),
        ("all", {"sku": "SKU-1"}),
    ]:
        with pytest.raises(ValidationFailedError):
            await records.create_run("api", scope=scope, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(asyncpg.CheckViolationError):
        await fetch("INSERT INTO sync_run (trigger, scope) VALUES ('someone', 'all')")
    with pytest.raises(asyncpg.CheckViolationError):
        await fetch("UPDATE sync_run SET requests = -1")


async def test_an_open_run_of_the_same_job_is_reused(account: int) -> None:
    first = await records.create_run("cron", arq_job_id="cron:sync_all:1")
    assert await records.create_run("cron", arq_job_id="cron:sync_all:1") == first
    assert await records.create_run("cron") != await records.create_run("cron")
    await records.mark_run_running(first)
    assert await records.create_run("cron", arq_job_id="cron:sync_all:1") == first
    await records.finish_run(first)
    assert await records.create_run("cron", arq_job_id="cron:sync_all:1") != first


async def test_bulk_items_added_twice_count_once(account: int) -> None:
    listings = await _listings(account, 1000)
    run_id = await records.create_run("api")
    first = await records.add_items(run_id, _items(account, listings[:600]))
    assert len(first) == 600
    second = await records.add_items(run_id, _items(account, listings[400:], target=9))
    assert len(second) == 600
    assert {k: v for k, v in second.items() if k in first} == {
        k: v for k, v in first.items() if k in second
    }
    assert (await records.get_run(run_id)).planned == 1000
    kept = await fetch_one("SELECT new_quantity FROM sync_item WHERE listing = {}", listings[500])
    assert kept == {"new_quantity": 5}
    assert await records.add_items(run_id, []) == {}


async def test_items_can_start_failed(account: int) -> None:
    listings = await _listings(account, 2)
    run_id = await records.create_run("api")
    problem = NewSyncItem(
        listing_id=listings[1],
        account_id=account,
        sku="SKU-00001",
        local_quantity=3,
        new_quantity=3,
        status="FAILED",
        error="NOT_FOUND: the item is gone from Wix",
    )
    await records.add_items(run_id, [*_items(account, listings[:1]), problem])
    run = await records.get_run(run_id)
    assert _counters(run) == (2, 0, 0, 1) and run.pending == 1
    (failure,) = (await records.list_failures()).items
    assert failure.error == "NOT_FOUND: the item is gone from Wix"
    assert failure.finished_at is not None


async def test_outcomes_recorded_twice_change_nothing(account: int) -> None:
    listings = await _listings(account, 4)
    run_id = await records.create_run("api")
    await records.add_items(run_id, _items(account, listings))
    outcomes = [
        _done(listings[0], new_quantity=7, marketplace_quantity_before=2),
        _done(listings[1], "SKIPPED", error="locked by another worker"),
        _done(listings[2], "FAILED", error="HTTP 503"),
    ]
    await records.record_outcomes(run_id, outcomes)
    await records.record_outcomes(run_id, outcomes)
    assert _counters(await records.get_run(run_id)) == (4, 1, 1, 1)
    item = await fetch_one(
        "SELECT new_quantity, marketplace_quantity_before, status FROM sync_item "
        "WHERE listing = {}",
        listings[0],
    )
    assert item == {"new_quantity": 7, "marketplace_quantity_before": 2, "status": "COMPLETED"}

    # A re-queued SKU succeeds; a stale duplicate cannot undo a confirmed push.
    retry = [_done(listings[1]), _done(listings[2]), _done(listings[0], "FAILED", error="dup")]
    assert await records.record_outcomes(run_id, retry) == 2
    assert _counters(await records.get_run(run_id)) == (4, 3, 0, 0)
    assert await records.record_outcomes(run_id, []) == 0


async def test_concurrent_counter_bumps_add_up(account: int) -> None:
    listings = await _listings(account, 200)
    run_id = await records.create_run("api")
    await records.add_items(run_id, _items(account, listings))
    chunks = [listings[n : n + 10] for n in range(0, 200, 10)]
    await asyncio.gather(
        *(records.bump_run_counters(run_id, requests=3) for _ in range(20)),
        *(records.record_outcomes(run_id, [_done(x) for x in chunk]) for chunk in chunks),
    )
    run = await records.get_run(run_id)
    assert (run.requests, run.pushed, run.planned) == (60, 200, 200)
    with pytest.raises(NotFoundError):
        await records.bump_run_counters(999_999, requests=1)


async def test_listing_sync_state_in_bulk(account: int) -> None:
    listings = await _listings(account, 3)
    changed = await records.update_listing_sync_state(
        [
            ListingSyncState(listing_id=listings[0], last_pushed_quantity=4, last_seen_quantity=4),
            ListingSyncState(listing_id=listings[1], last_seen_quantity=9),
            ListingSyncState(listing_id=999_999, last_pushed_quantity=1),
        ]
    )
    assert changed == 2
    await records.update_listing_sync_state(
        [ListingSyncState(listing_id=listings[0], last_seen_quantity=5)]
    )
    rows = await fetch(
        "SELECT last_pushed_quantity AS pushed, last_seen_quantity AS seen, "
        "last_sync_at IS NOT NULL AS synced FROM listing ORDER BY id"
    )
    assert rows == [
        {"pushed": 4, "seen": 5, "synced": True},
        {"pushed": None, "seen": 9, "synced": True},
        {"pushed": None, "seen": None, "synced": False},
    ]
    assert await records.update_listing_sync_state([]) == 0


async def test_history_outlives_listings_and_goes_with_its_run(account: int) -> None:
    listings = await _listings(account, 2)
    run_id = await records.create_run("api")
    await records.add_items(run_id, _items(account, listings))
    await fetch("DELETE FROM listing WHERE id = {}", listings[0])
    page = await records.list_run_items(run_id)
    assert [(item.listing_id, item.sku) for item in page.items] == [
        (None, "SKU-00000"),
        (listings[1], "SKU-00001"),
    ]
    await fetch("DELETE FROM sync_run WHERE id = {}", run_id)
    assert await fetch("SELECT id FROM sync_item") == []


async def test_paging_runs_items_and_failures(account: int) -> None:
    runs = [await records.create_run("cron") for _ in range(5)]
    await records.finish_run(runs[1])
    page = await records.list_runs(limit=2)
    assert [r.id for r in page.items] == [runs[4], runs[3]] and page.next_before == runs[3]
    page = await records.list_runs(limit=2, before=page.next_before)
    assert [r.id for r in page.items] == [runs[2], runs[1]]
    last = await records.list_runs(limit=2, before=page.next_before)
    assert [r.id for r in last.items] == [runs[0]] and last.next_before is None
    done = await records.list_runs(status="COMPLETED")
    assert [r.id for r in done.items] == [runs[1]]
    with pytest.raises(NotFoundError):
        await records.get_run(999_999)

    listings = await _listings(account, 5)
    await records.add_items(runs[0], _items(account, listings))
    failed = [_done(x, "FAILED", error=f"boom {x}") for x in listings[1::2]]
    await records.record_outcomes(runs[0], failed)
    items = await records.list_run_items(runs[0], limit=3)
    assert [i.listing_id for i in items.items] == listings[:3]
    rest = await records.list_run_items(runs[0], limit=3, after=items.next_cursor)
    assert [i.listing_id for i in rest.items] == listings[3:] and rest.next_cursor is None
    only_failed = await records.list_run_items(runs[0], status="FAILED")
    assert [i.listing_id for i in only_failed.items] == listings[1::2]

    failures = await records.list_failures(limit=1)
    assert [i.error for i in failures.items] == [f"boom {listings[3]}"]
    older = await records.list_failures(limit=1, before=failures.next_cursor)
    assert [i.listing_id for i in older.items] == [listings[1]] and older.next_cursor is None
    assert (await records.list_failures(account_id=account + 1)).items == []
