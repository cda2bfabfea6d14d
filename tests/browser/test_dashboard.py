"""The dashboard in a real browser: log in, change stock through the forms, read the history."""

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
SCREENSHOT = "/tmp/dashboard.png"


def stock_cell(page: Page, warehouse: str, column: int = 1):  # type: ignore[no-untyped-def]
    """The quantity cell (column 1) of a warehouse's row in the stock table."""
    return page.locator(f"table.stock tr[data-warehouse='{warehouse}'] td").nth(column)


async def test_admin_receives_stock_and_sees_it_in_history(
    page: Page, admin: object, product: str
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    await expect(page).to_have_url(re.compile(r"/products$"))
    await expect(page.get_by_role("heading", name="Products")).to_be_visible()
    await expect(page.locator(".pager-info")).to_have_text("Showing 1\u20131 of 1")

    await page.get_by_role("link", name=product, exact=True).click()
    await expect(page.get_by_role("heading", name="Blue widget")).to_be_visible()
    await expect(page.get_by_test_id("total-quantity")).to_have_text("0")

    receive = page.locator("form#receive")
    await receive.get_by_label("Warehouse").select_option("A")
    await receive.get_by_label("Quantity").fill("25")
    await receive.get_by_label("Note").fill("delivery 118")
    await receive.get_by_role("button", name="Receive stock").click()

    await expect(page).to_have_url(re.compile(rf"/products/{product}$"))
    await expect(page.get_by_role("status")).to_contain_text("Received 25 \u00d7 SKU-1 into A")
    await expect(page.get_by_test_id("total-quantity")).to_have_text("25")
    await expect(stock_cell(page, "A")).to_have_text("25")
    await expect(stock_cell(page, "B")).to_have_text("0")
    history = page.locator(".history-card tbody tr").first
    await expect(history).to_contain_text("receipt")
    await expect(history).to_contain_text("+25")
    await page.screenshot(path=SCREENSHOT, full_page=True)

    await page.get_by_role("link", name="Operations", exact=True).click()
    row = page.locator("table.history tbody tr", has_text="receipt").first
    await expect(row).to_contain_text(product)
    await expect(row).to_contain_text("+25")
    await expect(row).to_contain_text("delivery 118")
    await expect(row).to_contain_text(ADMIN_EMAIL)
    await expect(row.locator("td").nth(3)).to_have_text("A")


async def test_refused_sale_shows_the_reason_and_changes_nothing(
    page: Page, admin: object, product: str
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, f"/products/{product}")
    sell = page.locator("form#sell")
    await sell.get_by_label("Warehouse").select_option("A")
    await sell.get_by_label("Quantity").fill("3")
    async with page.expect_response(re.compile(r"/sell$")) as answer:
        await sell.get_by_role("button", name="Record sale").click()
    assert (await answer.value).status == 409

    alert = page.locator("form#sell .form-error")
    await expect(alert).to_contain_text("Insufficient stock: 0 of SKU-1 in warehouse A")
    await expect(sell.get_by_label("Quantity")).to_have_value("3")
    await expect(sell.get_by_label("Quantity")).to_be_focused()
    await expect(page.get_by_test_id("total-quantity")).to_have_text("0")
    await expect(page.locator(".history-card tbody tr", has_text="sale")).to_have_count(0)


async def test_transfer_and_confirmed_adjustment(page: Page, admin: object, product: str) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, f"/products/{product}")
    receive = page.locator("form#receive")
    await receive.get_by_label("Warehouse").select_option("A")
    await receive.get_by_label("Quantity").fill("10")
    await receive.get_by_role("button", name="Receive stock").click()
    await expect(stock_cell(page, "A")).to_have_text("10")

    transfer = page.locator("form#transfer")
    await transfer.get_by_label("From").select_option("A")
    await transfer.get_by_label("To").select_option("B")
    await transfer.get_by_label("Quantity").fill("4")
    await transfer.get_by_role("button", name="Transfer").click()
    await expect(page.get_by_role("status")).to_contain_text("Moved 4 \u00d7 SKU-1 from A to B")
    await expect(stock_cell(page, "A")).to_have_text("6")
    await expect(stock_cell(page, "B")).to_have_text("4")

    dialogs: list[str] = []

    async def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    adjust = page.locator("form#adjust")
    await adjust.get_by_label("Warehouse").select_option("B")
    await adjust.get_by_label("Counted").fill("3")
    await adjust.get_by_label("Reason").fill("stocktake")
    await adjust.get_by_role("button", name="Set count").click()
    await expect(page.get_by_role("status")).to_contain_text("Set SKU-1 in B to 3 (-1)")
    assert dialogs and "overwrites" in dialogs[0]
    await expect(stock_cell(page, "B")).to_have_text("3")
    await expect(page.get_by_test_id("total-quantity")).to_have_text("9")

    await page.goto("/operations?type=ADJUSTMENT")
    rows = page.locator("table.history tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Quantity: 4 → 3")
    await expect(rows.first).to_contain_text("\u22121")


async def test_viewer_sees_no_write_controls(page: Page, viewer: object, product: str) -> None:
    await log_in(page, VIEWER_EMAIL, VIEWER_PASSWORD, f"/products/{product}")
    await expect(page.get_by_role("heading", name="Blue widget")).to_be_visible()
    await expect(page.locator("table.stock")).to_be_visible()
    # The only form a viewer gets is "Log out".
    await expect(page.locator("main form")).to_have_count(0)
    await expect(page.locator("form[method='post']")).to_have_count(1)
    await expect(page.get_by_role("button", name="Receive stock")).to_have_count(0)

    await page.goto("/warehouses")
    await expect(page.get_by_role("cell", name="Main warehouse")).to_be_visible()
    await expect(page.locator("main form")).to_have_count(0)

    token = await page.locator("meta[name='csrf-token']").get_attribute("content")
    answer = await page.request.post(
        f"/products/{product}/receive",
        form={"_csrf": token or "", "warehouse": "A", "quantity": "5"},
        max_redirects=0,
    )
    assert answer.status == 403


async def test_admin_adds_a_warehouse(page: Page, admin: object, product: str) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/warehouses")
    form = page.locator("form#warehouse")
    await form.get_by_label("Code").fill("A")
    await form.get_by_label("Name").fill("Duplicate")
    await form.get_by_role("button", name="Add warehouse").click()
    await expect(form.locator(".form-error")).to_contain_text("A warehouse with code 'A' exists")

    await form.get_by_label("Code").fill("c-2")
    await form.get_by_label("Name").fill("Returns shelf")
    await form.get_by_role("button", name="Add warehouse").click()
    await expect(page.get_by_role("status")).to_contain_text("Warehouse C-2 (Returns shelf) added")
    await expect(page.get_by_role("cell", name="Returns shelf")).to_be_visible()


async def test_products_search_and_login_redirect(page: Page, admin: object, product: str) -> None:
    await page.goto("/operations")
    await expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)operations$"))
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/products")
    await page.get_by_placeholder("Search name, SKU or EAN…").fill("nothing-like-it")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("table.products")).to_contain_text("No product matches")
    await page.get_by_placeholder("Search name, SKU or EAN…").fill("blue")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("link", name=product, exact=True)).to_be_visible()


async def test_pages_escape_text_and_refuse_forged_posts(page: Page, admin: object) -> None:
    from server.domain.products import NewProduct, create_product
    from server.domain.refs import Actor

    name = "<img src=x onerror=alert(1)> & <b>bold</b>"
    await create_product(NewProduct(sku="ESC-1", name=name), actor=Actor(email="t"))
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/products/ESC-1")
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    await expect(page.locator("main img, main b")).to_have_count(0)

    answer = await page.request.post(
        "/products/ESC-1/receive", form={"warehouse": "A", "quantity": "5"}, max_redirects=0
    )
    assert answer.status == 403
    assert "CSRF" in await answer.text()


async def test_flash_shows_once_and_error_pages_keep_logout(
    page: Page, admin: object, product: str
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, f"/products/{product}")
    receive = page.locator("form#receive")
    await receive.get_by_label("Warehouse").select_option("B")
    await receive.get_by_label("Quantity").fill("2")
    await receive.get_by_role("button", name="Receive stock").click()
    await expect(page.get_by_role("status")).to_be_visible()
    await page.reload()
    await expect(page.get_by_test_id("total-quantity")).to_have_text("2")
    await expect(page.get_by_role("status")).to_have_count(0)

    answer = await page.goto("/products/NO-SUCH-SKU")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(re.compile(r"/login$"))
    await page.goto("/products")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
