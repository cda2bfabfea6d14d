"""The sync dashboard in a real browser: start a sync, watch its bar fill live; the sync switch.

No worker runs here (the worker jobs are tested on their own): the test publishes the progress a
worker would publish, through `publish_progress`, and the page must follow it without a reload.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from server.domain.accounts import NewAccount, create_account
from server.domain.db import fetch
from server.sync import records
from server.sync.progress import ACTIVE_RUNS, RunProgress, publish_progress
from server.sync.records import NewSyncItem
from tests.browser.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, log_in
from tests.integration.accounts_helpers import WIX_CREDENTIALS

pytestmark = pytest.mark.browser


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(os.environ["REDIS_URL"])
    await client.delete(ACTIVE_RUNS)
    try:
        yield client
    finally:
        await client.aclose()


async def test_start_sync_and_watch_the_bar_fill(
    page: Page, admin: object, product: str, redis: Redis
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/sync")
    await expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_visible()
    await expect(page.locator(".live-empty")).to_be_visible()

    form = page.locator("form#sync")
    await form.get_by_label("One SKU").check()
    await form.get_by_label("SKU", exact=True).fill(product)
    await form.get_by_role("button", name="Start sync").click()
    await expect(page.get_by_role("status")).to_contain_text("queued")

    run = (await records.list_runs(limit=1)).items[0]
    assert (run.trigger, run.scope, run.scope_sku, run.status) == (
        "dashboard",
        "sku",
        product,
        "PENDING",
    )
    block = page.locator(f"[data-run-progress='{run.id}']")
    await expect(block.locator("[data-field='status']")).to_have_text("pending")
    await expect(page.locator(f"[data-run-row='{run.id}']")).to_contain_text("pending")
    await page.wait_for_timeout(500)  # let the EventSource connect

    def progress(status: str, done: int, pushed: int) -> RunProgress:
        return RunProgress(
            run_id=run.id,
            status=status,
            trigger="dashboard",
            scope="sku",
            planned=4,
            pushed=pushed,
            requests=3,
            batches_total=4,
            batches_done=done,
        )

    await publish_progress(redis, progress("RUNNING", 2, 2))
    await expect(block.locator("[data-field='percent']")).to_have_text("50 %")
    await expect(block.locator(".bar-fill")).to_have_attribute("style", re.compile("width: 50%"))
    await page.screenshot(path="/tmp/sync_running.png", full_page=True)

    await publish_progress(redis, progress("COMPLETED", 4, 4))
    await expect(block.locator("[data-field='percent']")).to_have_text("100 %")
    await expect(block.locator("[data-field='status']")).to_have_text("completed")
    await expect(block.locator("[data-field='pushed']")).to_have_text("4")
    await expect(block.locator(".bar-fill")).to_have_attribute("style", re.compile("width: 100%"))
    await page.wait_for_timeout(500)  # the bar's width transition
    await page.screenshot(path="/tmp/sync_done.png", full_page=True)

    await page.get_by_role("link", name=f"Run #{run.id}").click()
    await expect(page.get_by_role("heading", name=f"Sync run #{run.id}")).to_be_visible()
    await expect(page.locator("[data-field='percent']")).to_have_text("100 %")
    await page.screenshot(path="/tmp/sync_run.png", full_page=True)


async def test_product_sync_switch_and_sync_now(
    page: Page, admin: object, product: str, redis: Redis
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, f"/products/{product}")
    await expect(page.locator(".sub .badge")).to_have_text("Sync on")
    await expect(page.locator("table.product-listings")).to_contain_text("Not listed")

    await page.get_by_role("button", name="Turn sync off").click()
    await expect(page.get_by_role("status")).to_contain_text("Sync switched off")
    await expect(page.locator(".sub .badge")).to_have_text("Sync off")
    await expect(page.get_by_role("button", name="Sync now")).to_have_count(0)
    ops = await fetch(
        "SELECT new_values, user_email, source FROM operation WHERE type = 'SYNC_TOGGLE'"
    )
    assert [(op["user_email"], op["source"]) for op in ops] == [(ADMIN_EMAIL, "dashboard")]

    await page.get_by_role("button", name="Turn sync on").click()
    await expect(page.locator(".sub .badge")).to_have_text("Sync on")
    await page.get_by_role("button", name="Sync now").click()
    await expect(page.get_by_role("status")).to_contain_text("queued for SKU-1")
    run = (await records.list_runs(limit=1)).items[0]
    assert (run.scope, run.scope_sku) == ("sku", product)
    await page.screenshot(path="/tmp/sync_product.png", full_page=True)


async def test_drift_failures_and_chart(
    page: Page, admin: object, product: str, redis: Redis
) -> None:
    account = await create_account(
        NewAccount(
            marketplace="wix", name="Shop", credentials=WIX_CREDENTIALS, source_warehouses=["A"]
        )
    )
    (listing,) = await fetch(
        "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, active, "
        "last_seen_quantity, last_pushed_quantity, last_sync_at, created_at, updated_at) "
        "VALUES ({}, {}, 'wp', 'wv', true, 5, 5, now(), now(), now()) RETURNING id",
        account.id,
        product,
    )
    run_id = await records.create_run("cron")
    await records.bump_run_counters(run_id, requests=4)
    item = NewSyncItem(
        listing_id=listing["id"],
        account_id=account.id,
        sku=product,
        local_quantity=0,
        new_quantity=0,
        status="FAILED",
        error="429 Too Many Requests",
    )
    await records.add_items(run_id, [item])
    await records.finish_run(run_id)

    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/drift")
    row = page.locator("table.drift tbody tr").first
    await expect(row).to_contain_text(product)
    await expect(row).to_contain_text("+5")
    await page.screenshot(path="/tmp/sync_drift.png", full_page=True)

    await page.goto("/sync")
    await expect(page.locator("table.sync-items")).to_contain_text("429 Too Many Requests")
    await expect(page.locator("#sync-chart")).to_be_visible()
    await page.screenshot(path="/tmp/sync_overview.png", full_page=True)

    await page.goto(f"/products/{product}")
    listing_row = page.locator("table.product-listings tbody tr").first
    await expect(listing_row).to_contain_text("Shop")
    await expect(listing_row.locator("td").nth(2)).to_have_text("5")
    await page.screenshot(path="/tmp/sync_product_listing.png", full_page=True)
