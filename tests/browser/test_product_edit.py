"""Editing a product in the browser: the catalogue's dialog, the card updating in place, the edit
in the history as "Field: Old → New", and rolling it back from there."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.async_api import FilePayload, Page, expect

from tests.browser.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, VIEWER_EMAIL, VIEWER_PASSWORD, log_in

pytestmark = pytest.mark.browser


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_edit_in_the_dialog_then_roll_it_back(
    page: Page, admin: object, product: str
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/products")
    card = page.locator("tr[data-product-card]").first
    await card.get_by_role("link", name="Edit").click()
    dialog = page.get_by_role("dialog", name="Edit product")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_label("Name")).to_have_value("Blue widget")

    await dialog.get_by_label("EAN").fill("12345678")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("[data-form-error]")).to_contain_text("valid check digit")

    await dialog.get_by_label("Name").fill("Red widget")
    await dialog.get_by_label("SKU").fill("SKU-9")
    await dialog.get_by_label("EAN").fill("96385074")
    await dialog.get_by_label("Image").set_input_files(
        files=FilePayload(name="photo.png", mimeType="image/png", buffer=_png())
    )
    await expect(dialog.locator("img[data-image-preview]")).to_be_visible()
    url_before = page.url
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    assert page.url == url_before
    await expect(card.locator("[data-cell='name']")).to_have_text("Red widget")
    await expect(card.locator("[data-cell='sku']")).to_have_text("SKU-9")
    await expect(card.locator("[data-cell='ean']")).to_have_text("96385074")
    await expect(card.locator("[data-cell='image'] img")).to_be_visible()

    await page.get_by_role("link", name="Operations", exact=True).click()
    row = page.locator("table.history tbody tr:has(.optype-product_edit)").first
    await expect(row).to_contain_text('Name: "Blue widget" → "Red widget"')
    await expect(row).to_contain_text("SKU: SKU-1 → SKU-9")
    await expect(row).to_contain_text("EAN: — → 96385074")
    await expect(row.locator("td.warehouse")).to_have_text("—")

    page.on("dialog", lambda confirm: confirm.accept())
    await row.get_by_role("button", name="Revert").click()
    await expect(page.get_by_role("status")).to_contain_text("reverted")
    edit_row = page.locator("table.history tbody tr:has(.optype-product_edit)").first
    await expect(edit_row.locator("[data-reverted]")).to_contain_text(f"Reverted by {ADMIN_EMAIL}")
    await expect(edit_row.get_by_role("button", name="Revert")).to_have_count(0)
    await page.goto("/products")
    await expect(page.locator("tr[data-product-card] [data-cell='name']")).to_have_text(
        "Blue widget"
    )


async def test_viewer_has_no_edit_controls(page: Page, viewer: object, product: str) -> None:
    await log_in(page, VIEWER_EMAIL, VIEWER_PASSWORD, "/products")
    await expect(page.locator("tr[data-product-card]")).to_have_count(1)
    await expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    await page.goto(f"/products/{product}")
    await expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    response = await page.request.patch(f"/api/products/{product}", data={"name": "x"})
    assert response.status == 403
    await expect(page).to_have_url(re.compile(rf"/products/{product}$"))


async def test_edit_page_saves_and_cancel_goes_back(
    page: Page, admin: object, product: str
) -> None:
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, f"/products/{product}")
    await page.get_by_role("link", name="Edit").click()
    await expect(page).to_have_url(re.compile(rf"/products/{product}/edit$"))
    await page.get_by_label("Attributes").fill("[1, 2]")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("Attributes must be a JSON object")
    await page.get_by_label("Attributes").fill('{"colour": "blue"}')
    await page.get_by_label("Description").fill("Made of <b>steel</b>")
    await page.get_by_role("button", name="Save").click()
    await expect(page).to_have_url(re.compile(rf"/products/{product}$"))
    await expect(page.locator("p.description")).to_have_text("Made of <b>steel</b>")
    await page.get_by_role("link", name="Edit").click()
    await page.get_by_role("link", name="Cancel").click()
    await expect(page).to_have_url(re.compile(rf"/products/{product}$"))
