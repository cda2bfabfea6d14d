"""Every route of the app by {anonymous, viewer, admin}, discovered from `app.routes`.

Writes: anonymous gets 401 (API) or the login redirect (dashboard), a viewer 403, an admin neither,
and anonymous and viewer attempts change no data. Reads: anonymous is turned away the same way.
A route that is public on purpose is named below with its reason; a new route that is neither
guarded nor named fails the suite, and so does a name whose route is gone.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.security.conftest import Seeded, data_fingerprint
from tests.security.helpers import the_app
from tests.security.routes import Route, read_routes, write_routes

PUBLIC_WRITES: dict[tuple[str, str], str] = {
    ("POST", "/login"): "the login form itself (its own double-submit CSRF token, throttled)",
    ("POST", "/api/auth/token"): "exchanges e-mail and password for a token (throttled)",
    ("POST", "/api/webhooks/wix/{account_id:int}"): "Wix signs it (RS256 JWT per account)",
}
USER_WRITES: dict[tuple[str, str], str] = {
    ("POST", "/logout"): "anyone logged in may end their own session",
    ("DELETE", "/api/auth/tokens/{token_id:int}"): "anyone may revoke their own API tokens",
}
"""Writes any logged-in user may make: they touch only the caller's own credentials."""
PUBLIC_READS: dict[str, str] = {
    "/health": "load balancers probe it; answers only ok/degraded",
    "/metrics": "Prometheus scrapes it; request counters, no data",
    "/login": "the login page",
    "/static/{file_path:path}": "the dashboard's CSS and JS",
    "/media/{name:str}": "product images, public like the catalogue pictures they are",
}
PUBLIC_READ_PREFIXES = ("/schema",)
"""The OpenAPI document and its viewers: they describe the API, they hold no data."""


def _body(route: Route) -> dict[str, Any]:
    """An empty body of the kind the route reads (JSON for the API, a form for the dashboard)."""
    return {"json": {}} if route.is_api else {"data": {}}


def _turned_away_anonymously(route: Route, response: httpx.Response) -> bool:
    if route.is_api:
        return response.status_code == 401 and response.json()["code"] == "not_authenticated"
    location = response.headers.get("location", "")
    return response.status_code in (302, 303) and location.startswith("/login")


def _guarded_writes(client: httpx.AsyncClient) -> list[Route]:
    return [r for r in write_routes(the_app(client)) if r.key not in PUBLIC_WRITES]


async def test_the_public_lists_name_routes_that_exist(client: httpx.AsyncClient) -> None:
    app = the_app(client)
    writes = {route.key for route in write_routes(app)}
    reads = {route.template for route in read_routes(app)}
    assert not (set(PUBLIC_WRITES) | set(USER_WRITES)) - writes
    assert not set(PUBLIC_READS) - reads
    assert len(writes) >= 40, "route discovery found too few write routes"


async def test_anonymous_writes_are_refused_and_change_nothing(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    before = await data_fingerprint()
    wrong = []
    for route in _guarded_writes(client):
        response = await client.request(route.method, route.path, **_body(route))
        if not _turned_away_anonymously(route, response):
            wrong.append(f"{route}: {response.status_code} {response.text[:120]}")
    assert not wrong, "writes open to anonymous callers:\n" + "\n".join(wrong)
    assert await data_fingerprint() == before


async def test_viewer_writes_are_forbidden_and_change_nothing(
    client: httpx.AsyncClient, seeded: Seeded, viewer_headers: dict[str, str]
) -> None:
    before = await data_fingerprint()
    wrong = []
    for route in _guarded_writes(client):
        if route.key in USER_WRITES:
            continue
        response = await client.request(
            route.method, route.path, headers=viewer_headers, **_body(route)
        )
        if response.status_code != 403:
            wrong.append(f"{route}: {response.status_code} {response.text[:120]}")
    assert not wrong, "writes open to viewers:\n" + "\n".join(wrong)
    assert await data_fingerprint() == before


async def test_admin_writes_pass_the_guards(
    client: httpx.AsyncClient, seeded: Seeded, admin_headers: dict[str, str]
) -> None:
    wrong = []
    for route in _guarded_writes(client):
        if route.key in USER_WRITES:
            continue  # they end the caller's own session or token: test_sessions, test_api_tokens
        response = await client.request(
            route.method, route.path, headers=admin_headers, **_body(route)
        )
        unavailable = response.status_code == 503  # no marketplace client (no_marketplaces)
        if response.status_code in (401, 403) or (response.status_code >= 500 and not unavailable):
            wrong.append(f"{route}: {response.status_code} {response.text[:200]}")
    assert not wrong, "admin refused or server error:\n" + "\n".join(wrong)


async def test_anonymous_reads_are_refused(client: httpx.AsyncClient, seeded: Seeded) -> None:
    wrong = []
    for route in read_routes(the_app(client)):
        if route.template in PUBLIC_READS or route.template.startswith(PUBLIC_READ_PREFIXES):
            continue
        response = await client.get(route.path)
        if not _turned_away_anonymously(route, response):
            wrong.append(f"{route}: {response.status_code}")
    assert not wrong, "reads open to anonymous callers:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/api/auth/token", {"email": "admin@example.com", "password": "x" * 12}, 401),
        ("/api/webhooks/wix/1", {}, 400),
    ],
)
async def test_public_writes_still_need_their_own_proof(
    client: httpx.AsyncClient, seeded: Seeded, path: str, body: dict[str, Any], expected: int
) -> None:
    before = await data_fingerprint()
    response = await client.post(path, json=body)
    assert response.status_code >= 400
    assert response.status_code == expected or response.status_code in (401, 403)
    assert await data_fingerprint() == before
    forged_login = await client.post("/login", data={"email": "a@b.c", "password": "x" * 12})
    assert forged_login.status_code == 403
