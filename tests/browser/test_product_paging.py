"""The product list's Next and Previous links in a real browser: keyset paging by SKU."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, log_in
from tests.integration.accounts_helpers import add_products

pytestmark = pytest.mark.browser


async def test_next_and_previous_walk_the_catalogue_by_sku(page: Page, admin: object) -> None:
    await add_products([f"PG-{n:03d}" for n in range(1, 61)])
    await log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/products")
    info = page.locator(".pager-info")
    await expect(info).to_have_text("Showing 1\u201350 of 60")

    await page.get_by_role("link", name="Next →").click()
    await expect(page).to_have_url(re.compile(r"/products\?after=PG-050$"))
    await expect(info).to_have_text("Showing 10 from PG-051 to PG-060 of 60")
    await expect(page.locator("span.disabled", has_text="Next →")).to_be_visible()

    await page.get_by_role("link", name="← Previous").click()
    await expect(page).to_have_url(re.compile(r"/products\?before=PG-051$"))
    await expect(info).to_have_text("Showing 1\u201350 of 60")
    await expect(page.get_by_role("link", name="PG-001", exact=True)).to_be_visible()
