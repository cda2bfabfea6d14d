"""Orders in a real browser: find the conflict from the order list, map it to a product on the
conflicts page (a wrong SKU is refused on the page), and see the line deducted and the stock lower.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, VIEWER_EMAIL, VIEWER_PASSWORD, log_in
from tests.integration.orders_helpers import seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("warehouses")]
SCREENSHOT = "/tmp/order-conflicts.png"
ORDER_SCREENSHOT = "/tmp/order.png"
LIST_SCREENSHOT = "/tmp/orders.png"


async def test_admin_resolves_a_conflict_and_the_line_deducts_once(
    page: Page, admin: object
) -> None:
    ids = await seed_orders()
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    await page.get_by_role("link", name="Orders", exact=True).click()
    await expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    conflict_row = page.locator("table.orders tbody tr", has_text="conflict")
    await expect(conflict_row.locator("[data-state]")).to_have_text("conflict")
    await page.screenshot(path=LIST_SCREENSHOT, full_page=True)
    await page.get_by_test_id("conflicts-link").click()

    await expect(page).to_have_url(re.compile(r"/orders/conflicts$"))
    row = page.locator("table.conflicts tbody tr").first
    await expect(row).to_contain_text("unknown_item: no listing or product matches 999")
    sku = row.get_by_label(re.compile("SKU for line"))
    await sku.fill("NOPE")
    async with page.expect_response(re.compile(r"/resolve$")) as answer:
        await row.get_by_role("button", name="Map and deduct").click()
    assert (await answer.value).status == 404
    row = page.locator("table.conflicts tbody tr").first
    await expect(row.locator(".form-error")).to_contain_text("No product with SKU 'NOPE'")
    await expect(row.get_by_label(re.compile("SKU for line"))).to_have_value("NOPE")
    await page.screenshot(path=SCREENSHOT, full_page=True)

    await row.get_by_label(re.compile("SKU for line")).fill("SKU-1")
    await row.get_by_role("button", name="Map and deduct").click()
    await expect(page).to_have_url(re.compile(rf"/orders/{ids['conflict']}$"))
    await expect(page.get_by_role("status")).to_contain_text("Order line mapped to SKU-1: deducted")
    line = page.locator("table.order-lines tbody tr").first
    await expect(line.get_by_test_id("line-status").locator("[data-state]")).to_have_text(
        "deducted"
    )
    await expect(line.get_by_test_id("movement")).to_contain_text("-2")
    await expect(line.get_by_test_id("movement")).to_contain_text("5 left")
    await expect(page.locator(".sub [data-state]")).to_have_text("done")
    await page.screenshot(path=ORDER_SCREENSHOT, full_page=True)

    await line.get_by_role("link", name="SKU-1").click()
    await expect(page.get_by_test_id("total-quantity")).to_have_text("5")
    await page.goto("/orders/conflicts")
    await expect(page.locator("table.conflicts")).to_contain_text("No conflicts")


async def test_viewer_reads_conflicts_without_forms(page: Page, viewer: object) -> None:
    await seed_orders()
    await log_in(page, VIEWER_EMAIL, VIEWER_PASSWORD, "/orders/conflicts")
    await expect(page.locator("table.conflicts tbody tr")).to_have_count(1)
    await expect(page.get_by_role("button", name="Map and deduct")).to_have_count(0)
    await page.get_by_role("link", name="Orders", exact=True).first.click()
    await expect(page.get_by_role("button", name="Import now")).to_have_count(0)
