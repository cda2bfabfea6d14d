"""Steps the browser tests share."""

from __future__ import annotations

from urllib.parse import quote

from playwright.async_api import Page

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "admin-password-1"
VIEWER_EMAIL, VIEWER_PASSWORD = "viewer@example.com", "viewer-password-1"


async def log_in(page: Page, email: str, password: str, next_path: str = "/") -> None:
    """Log in through the login form and wait for the page it leads to."""
    await page.goto(f"/login?next={quote(next_path)}")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Log in").click()
