"""A sync started from the dashboard, run by a real arq worker against the live sandboxes.

A Wix account on the demo V3 site with listings for `SB-000001…` (auto-mapped through the live
Wix sandbox), stock that differs from what the site shows; the admin starts a sync from the
/sync form and watches the run's bar reach 100 % and its row's counters in the recent-runs
table move from the 0 the server rendered, without reloading; the run is COMPLETED with listings
pushed. The Wix sandbox answers slowly meanwhile, so the run is seen while it runs.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from server.connectors.factory import build_connectors
from server.domain import hooks
from server.domain.accounts import NewAccount, create_account
from server.domain.automap import run_automap
from server.domain.ledger import adjust
from server.domain.products import NewProduct, create_product
from server.domain.refs import Actor
from server.settings import get_settings
from server.sync import records
from tests.browser.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, log_in
from tests.browser.worker_fixture import live_worker

__all__ = ["live_worker"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("live_worker")]

V3_SITE = "33333333-3333-4333-8333-333333333333"
SKUS = [f"SB-{n:06d}" for n in range(1, 6)]
ACTOR = Actor(email="tests@example.com")


@pytest.fixture
def slow_wix(wix_sandbox_url: str) -> Iterator[None]:
    """The live Wix sandbox waits 0.4 s per API request during the test."""
    faults = f"{wix_sandbox_url}/_sandbox/faults"
    httpx.put(faults, json={"latency_s": 0.4}).raise_for_status()
    try:
        yield
    finally:
        httpx.put(faults, json={}).raise_for_status()


@pytest.fixture
async def v3_account(
    warehouses: list[str],
    wix_sandbox_url: str,
    allegro_sandbox_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> int:
    """A Wix account on the demo V3 site, its SKUs auto-mapped, with stock the site lacks.

    Stock set here queues no event-driven syncs: the dashboard's run is the only one.
    """
    monkeypatch.setattr(hooks, "_listeners", [])
    for n, sku in enumerate(SKUS, start=1):
        await create_product(NewProduct(sku=sku, name=f"Demo product {n}"), actor=ACTOR)
        await adjust(sku, "A", 400 + n, reason="test", actor=ACTOR)
    credentials = {"api_key": "wix-demo-api-key", "site_id": V3_SITE, "account_id": "acc-v3"}
    account = await create_account(
        NewAccount(
            marketplace="wix", name="Demo V3", credentials=credentials, source_warehouses=["A"]
        )
    )
    settings = msgspec.structs.replace(
        get_settings(),
        wix_api_url=wix_sandbox_url,
        allegro_api_url=allegro_sandbox_url,
        allegro_auth_url=allegro_sandbox_url,
    )
    redis: Redis = Redis.from_url(os.environ["REDIS_URL"])
    try:
        result = await run_automap(account.id, build_connectors(settings, redis))
    finally:
        await redis.aclose()
    assert result.created_mappings >= 3, result
    return account.id


async def finished_run(run_id: int, timeout_s: float = 30.0) -> records.SyncRunRecord:
    """The run's record once the worker finished it (or as it is when `timeout_s` ran out)."""
    deadline = time.monotonic() + timeout_s
    run = await records.get_run(run_id)
    while run.status not in ("COMPLETED", "FAILED") and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        run = await records.get_run(run_id)
    return run


def rendered_counter(html: str, run_id: int, field: str) -> str | None:
    """A counter of the run's row in the recent-runs table as the server rendered it."""
    row = re.search(rf"data-run-row=\"{run_id}\".*?</tr>", html, re.S)
    if row is None:
        return None
    cell = re.search(rf'data-field="{field}"><span class="num">([^<]*)<', row.group(0))
    return None if cell is None else cell.group(1)


def worker_log(request: pytest.FixtureRequest) -> str:
    """The live worker's output so far (for failure messages)."""
    path: Path = request.getfixturevalue("live_worker")
    return path.read_text(errors="replace")[-4000:]


async def test_a_real_worker_fills_the_bar(
    page: Page, admin: object, v3_account: int, slow_wix: None, request: pytest.FixtureRequest
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/sync")
    form = page.locator("form#sync")
    await form.get_by_label("All accounts").check()
    async with page.expect_navigation() as navigation:
        await form.get_by_role("button", name="Start sync").click()
    response = await navigation.value
    assert response is not None
    rendered = await response.text()
    status = page.get_by_role("status")
    await expect(status).to_contain_text("queued")
    await page.evaluate("window.__sameDocument = true")

    found = re.search(r"#(\d+)", await status.inner_text())
    assert found is not None
    run = await records.get_run(int(found.group(1)))
    assert (run.trigger, run.scope) == ("dashboard", "all")
    assert rendered_counter(rendered, run.id, "pushed") == "0"
    block = page.locator(f"[data-run-progress='{run.id}']")
    percent = block.locator("[data-field='percent']")
    await expect(percent).to_have_text("100 %", timeout=30_000)
    await expect(block.locator("[data-field='status']")).to_have_text("completed")
    await expect(block.locator(".bar-fill")).to_have_attribute("style", re.compile("width: 100%"))
    await expect(block.locator("[data-field='pushed']")).not_to_have_text("0")
    assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"

    done = await finished_run(run.id)
    assert done.status == "COMPLETED", (done, worker_log(request))
    assert done.pushed > 0 and done.failed == 0, done
    await expect(block.locator("[data-field='pushed']")).to_have_text(str(done.pushed))
    row = page.locator(f"[data-run-row='{run.id}']")
    await expect(row.locator("[data-field='pushed']")).to_have_text(f"{done.pushed:,}")
    await expect(row.locator("[data-field='status']")).to_have_text("completed")
    await expect(row.locator("[data-field='requests']")).not_to_have_text("0")
    assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    await page.wait_for_timeout(500)  # the bar's width transition
    await page.screenshot(path="/tmp/sync_live_worker.png", full_page=True)
