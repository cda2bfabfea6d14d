"""Accounts in a real browser: add a Wix account and see it listed with its key masked."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    VIEWER_EMAIL,
    VIEWER_PASSWORD,
    log_in,
)

pytestmark = pytest.mark.browser
SCREENSHOT = "/tmp/accounts.png"
ACCOUNT_SCREENSHOT = "/tmp/account.png"
WIX_KEY = "IST.eyJraWQiOiJQb3pIX2FDMiJ9.browser-secret-key-9c4e"
MASKED_KEY = "\u2022\u2022\u2022\u20229c4e"


async def test_admin_adds_a_wix_account_and_sees_the_key_masked(
    page: Page, admin: object, warehouses: list[str]
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    await page.get_by_role("link", name="Accounts", exact=True).click()
    await expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    await expect(page.locator("table.accounts")).to_contain_text("No accounts yet")

    form = page.locator("form#account")
    await form.get_by_label("Name").fill("Blue Wix shop")
    await form.get_by_label("API key").fill(WIX_KEY)
    await form.get_by_label("Site ID").fill("7c1e3b0a-1f2d-4c5e-9a8b-0d1e2f3a4b5c")
    await form.get_by_label("Account ID").fill("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d")
    await expect(form.get_by_role("checkbox", name=re.compile("^A"))).to_be_checked()
    await form.get_by_role("checkbox", name=re.compile("^B")).uncheck()
    await form.get_by_label("Safety buffer").fill("2")
    await form.get_by_role("button", name="Add account").click()

    await expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    await expect(page.get_by_role("status")).to_contain_text("Wix account Blue Wix shop added.")
    await expect(page.get_by_role("heading", name="Blue Wix shop")).to_be_visible()
    await expect(page.get_by_test_id("credentials")).to_contain_text(MASKED_KEY)
    await expect(page.get_by_test_id("listings-count")).to_have_text("0")
    await page.screenshot(path=ACCOUNT_SCREENSHOT, full_page=True)

    await page.get_by_role("link", name="Accounts", exact=True).first.click()
    row = page.locator("table.accounts tbody tr", has_text="Blue Wix shop")
    await expect(row).to_contain_text("Wix")
    await expect(row).to_contain_text(MASKED_KEY)
    await expect(row).to_contain_text("Active")
    await expect(row.locator("td").nth(4)).to_have_text("A")
    assert WIX_KEY not in await page.content()
    await page.screenshot(path=SCREENSHOT, full_page=True)


async def test_refused_account_form_and_allegro_fields(
    page: Page, admin: object, warehouses: list[str]
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/accounts")
    form = page.locator("form#account")
    await form.get_by_label("Name").fill("Shop")
    await form.get_by_label("API key").fill("key with spaces in it")
    await form.get_by_label("Site ID").fill("site")
    await form.get_by_label("Account ID").fill("account")
    await form.get_by_role("button", name="Add account").click()
    await expect(form.locator(".form-error")).to_contain_text("API key may hold only visible ASCII")
    await expect(form.get_by_label("API key")).to_have_value("")
    await expect(form.get_by_label("API key")).to_be_focused()
    await expect(form.get_by_label("Name")).to_have_value("Shop")

    await page.get_by_role("link", name="Allegro", exact=True).click()
    await expect(form.get_by_label("Client ID")).to_be_visible()
    await expect(form.get_by_label("Client secret")).to_have_attribute("type", "password")
    await expect(form.get_by_label("API key")).to_have_count(0)


async def test_viewer_sees_accounts_without_forms(
    page: Page, viewer: object, admin: object, warehouses: list[str]
) -> None:
    from server.domain.accounts import NewAccount, create_account

    credentials = {"api_key": WIX_KEY, "site_id": "site-1", "account_id": "acct-1"}
    await create_account(
        NewAccount(
            marketplace="wix", name="Viewed shop", credentials=credentials, source_warehouses=["A"]
        )
    )
    await log_in(page, VIEWER_EMAIL, VIEWER_PASSWORD, "/accounts")
    await expect(page.get_by_role("cell", name="Viewed shop")).to_be_visible()
    await expect(page.locator("form#account")).to_have_count(0)
    await page.get_by_role("link", name="Viewed shop").click()
    await expect(page.get_by_test_id("credentials")).to_contain_text(MASKED_KEY)
    await expect(page.locator("main form[method='post']")).to_have_count(0)
    assert WIX_KEY not in await page.content()


async def test_wix_account_tested_and_auto_mapped_against_the_sandbox(
    page: Page, admin: object, warehouses: list[str]
) -> None:
    from server.domain.products import NewProduct, create_product
    from server.domain.refs import Actor

    for number in range(1, 6):
        await create_product(
            NewProduct(sku=f"SB-{number:06d}", name=f"Item {number}"), actor=Actor()
        )
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/accounts")
    form = page.locator("form#account")
    await form.get_by_label("Name").fill("Sandbox V3 shop")
    await form.get_by_label("API key").fill("wix-demo-api-key")
    await form.get_by_label("Site ID").fill("33333333-3333-4333-8333-333333333333")
    await form.get_by_label("Account ID").fill("demo-account")
    await form.get_by_role("button", name="Add account").click()
    await expect(page.get_by_role("heading", name="Sandbox V3 shop")).to_be_visible()

    await page.locator("form#test").get_by_role("button", name="Test connection").click()
    await expect(page.get_by_test_id("test-result")).to_contain_text("OK")
    await expect(page.get_by_test_id("test-result")).to_contain_text("V3 Catalog")

    await page.locator("form#automap").get_by_role("button", name="Auto-map").click()
    await expect(page.get_by_test_id("automap-result")).to_be_visible()
    await expect(page.get_by_test_id("local-products-count")).to_have_text("5")
    created = int(await page.get_by_test_id("created-mappings").inner_text())
    assert created >= 4  # SB-000004 has options: its variants carry their own SKUs
    await page.goto(page.url.split("?")[0].removesuffix("/automap"))
    await expect(page.get_by_test_id("listings-count")).to_have_text(str(created))
    listings = page.locator("table.listings tbody tr")
    await expect(listings.first).to_contain_text("SB-00000")
    await page.screenshot(path="/tmp/account-mapped.png", full_page=True)


async def test_allegro_account_connected_through_the_device_flow(
    page: Page, admin: object, warehouses: list[str], allegro_sandbox_url: str
) -> None:
    import httpx

    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/accounts")
    await page.get_by_role("link", name="Allegro", exact=True).click()
    form = page.locator("form#account")
    await form.get_by_label("Name").fill("Allegro seller")
    await form.get_by_label("Client ID").fill("stockbridge-demo")
    await form.get_by_label("Client secret").fill("stockbridge-demo-secret")
    await form.get_by_role("button", name="Add account").click()
    await expect(page.get_by_test_id("allegro-connected")).to_contain_text("Not yet")

    await page.locator("form#connect").get_by_role("button", name="Connect").click()
    code = (await page.get_by_test_id("user-code").inner_text()).strip()
    assert code
    async with httpx.AsyncClient(base_url=allegro_sandbox_url) as sandbox:
        approved = await sandbox.post(
            "/_sandbox/device/approve", json={"userCode": code, "seller": "StockBridgeDemo1"}
        )
        assert approved.status_code == 200, approved.text
    await expect(page.get_by_test_id("allegro-connected")).to_contain_text("Yes", timeout=20_000)
    await expect(page.get_by_test_id("pending-connection")).to_have_count(0)
    await page.locator("form#test").get_by_role("button", name="Test connection").click()
    await expect(page.get_by_test_id("test-result")).to_contain_text("OK")
