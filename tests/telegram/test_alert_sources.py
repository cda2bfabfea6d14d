"""Where the sync raises alerts: auth and rate-limit give-ups, a closed run's failures (one alert
per account, once per run), drift after a reconciliation, a reconciliation that did not finish."""

from __future__ import annotations

import datetime as dt

import pytest
from redis.asyncio import Redis

from server.domain.accounts import AccountRecord, NewAccount, create_account
from server.domain.alerts import Alert
from server.domain.db import fetch
from server.marketplaces.errors import MarketplaceError, RateLimitedError
from server.sync import records
from server.sync.alerts import (
    alert_marketplace_error,
    alert_run_finished,
    alert_stuck_reconciliation,
)
from server.sync.records import ListingSyncState, NewSyncItem
from tests.integration.accounts_helpers import WIX_CREDENTIALS
from tests.integration.test_sync_records import _listings


@pytest.fixture
async def shop(warehouses: list[str]) -> AccountRecord:
    new = NewAccount(
        marketplace="wix", name="Shop", credentials=WIX_CREDENTIALS, source_warehouses=["A"]
    )
    return await create_account(new)


async def test_auth_and_rate_limit_give_ups_alert_other_errors_do_not(
    alerts: list[Alert], shop: AccountRecord
) -> None:
    await alert_marketplace_error(shop, MarketplaceError("Unauthorized", status=401), run_id=3)
    await alert_marketplace_error(shop, RateLimitedError("Too many", status=429))
    await alert_marketplace_error(shop, MarketplaceError("Bad input", status=400))
    assert [(a.kind, a.key, a.run_id) for a in alerts] == [
        ("auth_failed", f"auth_failed:{shop.id}", 3),
        ("rate_limited", f"rate_limited:{shop.id}", None),
    ]
    assert "Shop (wix)" in alerts[0].message


async def _run_with_failures(shop: AccountRecord, *, trigger: str, failed: int) -> int:
    listing_ids = await _listings(shop.id, 3)
    run_id = await records.create_run(trigger, scope="all")  # type: ignore[arg-type]
    await records.add_items(
        run_id,
        [
            NewSyncItem(
                listing_id=listing_id,
                account_id=shop.id,
                sku=f"SKU-{n:05d}",
                local_quantity=5,
                new_quantity=5,
                status="FAILED" if n < failed else "PENDING",
                error="HTTP 500" if n < failed else None,
            )
            for n, listing_id in enumerate(listing_ids)
        ],
    )
    return run_id


async def test_a_closed_run_alerts_its_failures_once_per_account(
    alerts: list[Alert], shop: AccountRecord, redis: Redis
) -> None:
    run_id = await _run_with_failures(shop, trigger="api", failed=2)
    await alert_run_finished(redis, await records.get_run(run_id))  # still open: nothing
    run = await records.finish_run(run_id)
    await alert_run_finished(redis, run)
    await alert_run_finished(redis, run)  # another job sees it finish too
    assert [(a.kind, a.key, a.run_id) for a in alerts] == [
        ("sync_failed", f"sync_failed:{shop.id}", run_id)
    ]
    assert "2 listing(s) failed after all retries on Shop. First: SKU-00000: HTTP 500" in (
        alerts[0].message
    )


async def test_drift_above_the_threshold_after_a_reconciliation_alerts(
    alerts: list[Alert], shop: AccountRecord, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFT_ALERT_THRESHOLD", "1")
    from server.settings import get_settings

    get_settings.cache_clear()
    try:
        run_id = await _run_with_failures(shop, trigger="cron", failed=0)
        ids = [int(r["id"]) for r in await fetch("SELECT id FROM listing ORDER BY id")]
        await records.update_listing_sync_state(
            [ListingSyncState(listing_id=i, last_seen_quantity=9) for i in ids[:2]]
        )
        await alert_run_finished(redis, await records.finish_run(run_id))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert [(a.kind, a.run_id) for a in alerts] == [("drift", run_id)]
    assert "more than 1 listings" in alerts[0].message


async def test_a_cron_run_open_past_its_interval_alerts(alerts: list[Alert]) -> None:
    now = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
    await alert_stuck_reconciliation(now - dt.timedelta(minutes=29), now, 30)
    await alert_stuck_reconciliation(None, now, 30)
    await alert_stuck_reconciliation(now - dt.timedelta(minutes=95), now, 30)
    assert [a.kind for a in alerts] == ["reconcile_stuck"]
    assert "still open after 95 minutes (interval 30)" in alerts[0].message
