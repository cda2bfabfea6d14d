"""Shared steps of the security tests: logging in through the form, reading cookies and tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from litestar import Litestar

from tests.integration.accounts_helpers import app_of

CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


def set_cookie(response: httpx.Response, name: str) -> str | None:
    """A cookie's value from Set-Cookie (httpx's jar ignores the dotless test host)."""
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return rest.split(";", 1)[0].strip('"') or None
    return None


async def post_login_form(
    client: httpx.AsyncClient, email: str, password: str, old_session: str | None = None
) -> httpx.Response:
    """Fetch the login page and post its form with the page's double-submit token."""
    page = await client.get("/login")
    match = CSRF_INPUT.search(page.text)
    assert match, page.text
    cookies = f"sb_login_csrf={set_cookie(page, 'sb_login_csrf')}"
    if old_session:
        cookies += f"; sb_session={old_session}"
    return await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf": match.group(1)},
        headers={"Cookie": cookies},
    )


@dataclass(frozen=True)
class Browser:
    """A logged-in dashboard session: its cookie and the CSRF token its forms carry."""

    session: str
    csrf: str

    @property
    def cookie(self) -> dict[str, str]:
        """The Cookie header of this session."""
        return {"Cookie": f"sb_session={self.session}"}


async def browser_login(client: httpx.AsyncClient, email: str, password: str) -> Browser:
    """Log in through the form and read the CSRF token from a page."""
    response = await post_login_form(client, email, password)
    assert response.status_code in (302, 303), response.text
    session = set_cookie(response, "sb_session")
    assert session
    page = await client.get("/products", headers={"Cookie": f"sb_session={session}"})
    match = CSRF_INPUT.search(page.text)
    assert match, page.text
    return Browser(session=session, csrf=match.group(1))


def the_app(client: httpx.AsyncClient) -> Litestar:
    """The app behind the in-process client."""
    return app_of(client)
