"""Marketplace credentials: encrypted in every table, absent from API answers, pages and logs.

Every credential path runs here (create by API and form, rotate, OAuth tokens saved, refused
forms), then every GET route of the app (discovered) is read as admin and viewer, and every table
is dumped: no seeded secret may appear in any of them, nor in the log records of this test. The
whole suite's logs are watched too, by `tests/log_secrets.py`; alerts are log records as well.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
import pytest

from server.domain.credentials import save_allegro_tokens
from tests.integration.accounts_helpers import ALLEGRO_CREDENTIALS, WIX_CREDENTIALS
from tests.security.conftest import Seeded
from tests.security.helpers import browser_login, the_app
from tests.security.routes import read_routes
from tests.seeded_secrets import (
    ADMIN_PASSWORD,
    ALLEGRO_ACCESS_TOKEN,
    ALLEGRO_REFRESH_TOKEN,
    VIEWER_PASSWORD,
    known_secrets,
)

SKIPPED_READS = ("/api/sync/events", "/static/")
"""The SSE stream never ends; static files are the repository's CSS and JS."""


def _leaks(text: str) -> list[str]:
    return [name for name, value in known_secrets().items() if value in text]


async def _exercise_credential_paths(
    client: httpx.AsyncClient, seeded: Seeded, admin_headers: dict[str, str]
) -> list[str]:
    """Every way credentials go in; returns the bodies of the answers."""
    bodies = []
    await save_allegro_tokens(
        seeded.allegro_account_id,
        access_token=ALLEGRO_ACCESS_TOKEN,
        refresh_token=ALLEGRO_REFRESH_TOKEN,
        expires_at=datetime(2031, 1, 1, tzinfo=UTC),
    )
    created = await client.post(
        "/api/accounts",
        json={
            "marketplace": "wix",
            "name": "Second shop",
            "credentials": WIX_CREDENTIALS,
            "source_warehouses": ["A"],
        },
        headers=admin_headers,
    )
    assert created.status_code == 201
    rotated = await client.patch(
        f"/api/accounts/{seeded.allegro_account_id}",
        json={"credentials": {"client_secret": ALLEGRO_CREDENTIALS["client_secret"]}},
        headers=admin_headers,
    )
    assert rotated.status_code == 200
    refused = await client.post(
        "/api/accounts",
        json={
            "marketplace": "wix",
            "name": "Second shop",
            "credentials": {**WIX_CREDENTIALS, "bogus": WIX_CREDENTIALS["api_key"]},
            "source_warehouses": ["A"],
        },
        headers=admin_headers,
    )
    assert refused.status_code >= 400
    bodies += [created.text, rotated.text, refused.text]
    browser = await browser_login(client, "admin@example.com", ADMIN_PASSWORD)
    form = {
        "_csrf": browser.csrf,
        "marketplace": "wix",
        "name": "Second shop",  # taken: the form is refused and shown again
        "source_warehouses": "A",
        **{f"credentials.{k}": v for k, v in WIX_CREDENTIALS.items()},
    }
    page = await client.post("/accounts", data=form, headers=browser.cookie)
    assert page.status_code in (409, 422), page.text[:300]
    bodies.append(page.text)
    return bodies


async def _read_everything(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    """The body of every GET route, with each seeded account id in the path."""
    bodies = {}
    for route in read_routes(the_app(client)):
        if route.template.startswith(SKIPPED_READS):
            continue
        for account_id in ("1", "2", "3"):
            path = route.path.replace("/1", f"/{account_id}", 1)
            response = await client.get(path, headers=headers)
            bodies[path] = response.text
    return bodies


async def _all_tables_as_text() -> str:
    from server.db.tables import ALL_TABLES
    from server.domain.db import fetch_one

    dumps = []
    for table in ALL_TABLES:
        name = table._meta.tablename
        row = await fetch_one(
            f"SELECT coalesce(string_agg(t::text, '|'), '') AS d FROM \"{name}\" t"
        )
        assert row is not None
        dumps.append(f"{name}: {row['d']}")
    return "\n".join(dumps)


async def test_credentials_never_show(
    client: httpx.AsyncClient,
    seeded: Seeded,
    admin_headers: dict[str, str],
    viewer: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = await _exercise_credential_paths(client, seeded, admin_headers)
    for body in answers:
        assert not _leaks(body), body[:300]
    viewer_browser = await browser_login(client, "viewer@example.com", VIEWER_PASSWORD)
    callers = {
        "admin API": admin_headers,
        "admin pages": (await browser_login(client, "admin@example.com", ADMIN_PASSWORD)).cookie,
        "viewer pages": viewer_browser.cookie,
    }
    for who, headers in callers.items():
        bodies = await _read_everything(client, headers)
        assert len(bodies) > 30
        shown = {path: _leaks(body) for path, body in bodies.items() if _leaks(body)}
        assert not shown, f"{who} sees secrets: {shown}"
    assert "\u2022\u2022\u2022\u2022" in bodies["/accounts/2"], "masks are shown instead"
    database = await _all_tables_as_text()
    assert WIX_CREDENTIALS["site_id"] not in database, "credentials are one encrypted envelope"
    assert not _leaks(database), "a seeded secret is stored in plaintext"
    logged = caplog.text + " ".join(str(vars(record)) for record in caplog.records)
    assert not _leaks(logged)
