"""CSRF on every cookie-authenticated write: dashboard forms and API calls, discovered from the app.

Without a token, or with a wrong one, the write is refused with 403 and no data changes; with the
session's token it goes through. `/login` has its own double-submit token (test_sessions).
"""

from __future__ import annotations

import httpx

from tests.security.conftest import Seeded, data_fingerprint
from tests.security.helpers import Browser, browser_login, the_app
from tests.security.routes import Route, write_routes
from tests.security.test_route_matrix import PUBLIC_WRITES
from tests.seeded_secrets import ADMIN_PASSWORD

WRONG_TOKEN = "x" * 43


def _cookie_writes(client: httpx.AsyncClient) -> list[Route]:
    """Every write a session cookie can make (public ones carry their own proof instead)."""
    return [route for route in write_routes(the_app(client)) if route.key not in PUBLIC_WRITES]


async def _send(
    client: httpx.AsyncClient, browser: Browser, route: Route, token: str | None
) -> httpx.Response:
    if route.is_api:
        headers = {**browser.cookie, **({"X-CSRF-Token": token} if token else {})}
        return await client.request(route.method, route.path, json={}, headers=headers)
    form = {"_csrf": token} if token else {}
    return await client.request(route.method, route.path, data=form, headers=browser.cookie)


async def test_writes_without_or_with_a_wrong_token_are_refused(
    client: httpx.AsyncClient, seeded: Seeded, admin: object
) -> None:
    browser = await browser_login(client, "admin@example.com", ADMIN_PASSWORD)
    before = await data_fingerprint()
    wrong = []
    for route in _cookie_writes(client):
        for token in (None, WRONG_TOKEN):
            response = await _send(client, browser, route, token)
            if response.status_code != 403:
                wrong.append(f"{route} with token {token!r}: {response.status_code}")
    assert not wrong, "writes that skip CSRF:\n" + "\n".join(wrong)
    assert await data_fingerprint() == before
    still = await client.get("/products", headers=browser.cookie)
    assert still.status_code == 200, "the session survives refused writes"


async def test_writes_with_the_session_token_go_through(
    client: httpx.AsyncClient, seeded: Seeded, admin: object
) -> None:
    browser = await browser_login(client, "admin@example.com", ADMIN_PASSWORD)
    wrong = []
    for route in _cookie_writes(client):
        if route.template == "/logout":
            continue  # ends this session; test_sessions logs out with the token
        response = await _send(client, browser, route, browser.csrf)
        if response.status_code in (401, 403) or response.status_code == 500:
            wrong.append(f"{route}: {response.status_code} {response.text[:150]}")
    assert not wrong, "writes refused with the right token:\n" + "\n".join(wrong)


async def test_a_form_post_changes_data_only_with_the_token(
    client: httpx.AsyncClient, seeded: Seeded, admin: object
) -> None:
    browser = await browser_login(client, "admin@example.com", ADMIN_PASSWORD)
    form = {"code": "C", "name": "Third"}
    refused = await client.post("/warehouses", data=form, headers=browser.cookie)
    assert refused.status_code == 403
    listed = await client.get("/api/warehouses", headers=browser.cookie)
    assert [w["code"] for w in listed.json()] == ["A", "B"]
    done = await client.post(
        "/warehouses", data={**form, "_csrf": browser.csrf}, headers=browser.cookie
    )
    assert done.status_code in (302, 303)
    listed = await client.get("/api/warehouses", headers=browser.cookie)
    assert [w["code"] for w in listed.json()] == ["A", "B", "C"]
