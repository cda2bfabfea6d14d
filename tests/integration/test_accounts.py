"""Marketplace accounts: credentials encrypted at rest and masked when shown, validation that names
the field at fault, edits and deactivation (the credential store: test_accounts_credentials)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from server.domain.credentials import WixCredentials, load_credentials
from server.domain.db import fetch, fetch_one
from tests.integration.accounts_helpers import (
    ALLEGRO_CLIENT,
    ALLEGRO_CREDENTIALS,
    MASK,
    WIX_ACCOUNT,
    WIX_CREDENTIALS,
    WIX_KEY,
    WIX_SITE,
    create_account,
)


async def _raw_row(account_id: int) -> str:
    """The whole row as PostgreSQL stores it, as text."""
    row = await fetch_one(
        "SELECT row_to_json(a)::text AS raw FROM marketplace_account a WHERE id = {}", account_id
    )
    assert row is not None
    return str(row["raw"])


async def test_the_raw_row_holds_no_secret(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(client, admin_headers)
    raw = await _raw_row(account["id"])
    for secret in (WIX_KEY, WIX_SITE, WIX_ACCOUNT, WIX_KEY[-12:], "wix-secret-body"):
        assert secret not in raw
    assert '"scheme": "fernet-hkdf-sha256-v1"' in raw or '"scheme":"fernet-hkdf-sha256-v1"' in raw
    assert await load_credentials(account["id"]) == WixCredentials(**WIX_CREDENTIALS)


async def test_api_answers_show_only_the_last_four_characters(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    created = await create_account(client, admin_headers)
    expected = {
        "api_key": MASK + WIX_KEY[-4:],
        "site_id": MASK + WIX_SITE[-4:],
        "account_id": MASK + WIX_ACCOUNT[-4:],
    }
    assert created["credentials"] == expected
    assert created["credentials_readable"] is True
    for path in ("/api/accounts", f"/api/accounts/{created['id']}"):
        response = await client.get(path, headers=admin_headers)
        assert response.status_code == 200
        for secret in WIX_CREDENTIALS.values():
            assert secret not in response.text
    listed = (await client.get("/api/accounts", headers=admin_headers)).json()
    assert listed[0]["credentials"] == expected


async def test_pages_show_only_the_last_four_characters(
    client: httpx.AsyncClient, admin: object, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    from server.domain.auth import create_session

    account = await create_account(client, admin_headers)
    token, _ = await create_session(admin.id, timedelta(hours=1))  # type: ignore[attr-defined]
    cookie = {"Cookie": f"sb_session={token}"}
    for path in ("/accounts", f"/accounts/{account['id']}"):
        page = await client.get(path, headers=cookie)
        assert page.status_code == 200
        assert MASK + WIX_KEY[-4:] in page.text
        for secret in WIX_CREDENTIALS.values():
            assert secret not in page.text


INVALID_BODIES: list[tuple[dict[str, object], int, str]] = [
    ({"credentials": {"api_key": WIX_KEY, "site_id": WIX_SITE}}, 422, "credentials.account_id"),
    ({"credentials": {**WIX_CREDENTIALS, "password": "x"}}, 422, "credentials.password"),
    (
        {"credentials": {**WIX_CREDENTIALS, "api_key": "has a space in it"}},
        422,
        "credentials.api_key",
    ),
    ({"credentials": {**WIX_CREDENTIALS, "api_key": "short"}}, 422, "credentials.api_key"),
    ({"credentials": {**WIX_CREDENTIALS, "site_id": "line\nbreak"}}, 422, "credentials.site_id"),
    ({"marketplace": "allegro", "credentials": WIX_CREDENTIALS}, 422, "credentials.api_key"),
    (
        {"marketplace": "allegro", "credentials": {"client_id": ALLEGRO_CLIENT}},
        422,
        "credentials.client_secret",
    ),
    ({"credentials": {**WIX_CREDENTIALS, "api_key": 12345678}}, 422, "credentials.api_key"),
    ({"marketplace": "ebay"}, 400, "marketplace"),
    ({"source_warehouses": []}, 400, "source_warehouses"),
    ({"source_warehouses": ["Z"]}, 404, "source_warehouses"),
    ({"source_warehouses": ["A", "a"]}, 422, "source_warehouses"),
    ({"safety_buffer": -1}, 400, "safety_buffer"),
    ({"name": ""}, 400, "name"),
    ({"name": "   "}, 422, "name"),
    ({"colour": "blue"}, 400, "colour"),
]


@pytest.mark.parametrize(("changes", "status", "field"), INVALID_BODIES)
async def test_create_refusals_name_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    warehouses: list[str],
    changes: dict[str, object],
    status: int,
    field: str,
) -> None:
    body = {
        "marketplace": "wix",
        "name": "Shop",
        "credentials": WIX_CREDENTIALS,
        "source_warehouses": ["A"],
        **changes,
    }
    response = await client.post("/api/accounts", json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert (await fetch_one("SELECT count(*) AS n FROM marketplace_account")) == {"n": 0}


async def test_an_inactive_warehouse_cannot_feed_an_account(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    await fetch("UPDATE warehouse SET active = false WHERE code = 'B'")
    body = {"marketplace": "wix", "name": "Shop", "credentials": WIX_CREDENTIALS}
    response = await client.post(
        "/api/accounts", json={**body, "source_warehouses": ["B"]}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["field"] == "source_warehouses"


async def test_names_are_unique_per_marketplace(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    await create_account(client, admin_headers, name="Shop")
    body = {"marketplace": "wix", "name": "Shop", "credentials": WIX_CREDENTIALS}
    again = await client.post(
        "/api/accounts", json={**body, "source_warehouses": ["A"]}, headers=admin_headers
    )
    assert again.status_code == 409 and again.json()["field"] == "name"
    await create_account(
        client, admin_headers, marketplace="allegro", name="Shop", credentials=ALLEGRO_CREDENTIALS
    )


async def test_edit_renames_rotates_and_reorders(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(client, admin_headers, source_warehouses=["A", "B"])
    assert account["source_warehouses"] == ["A", "B"]
    path = f"/api/accounts/{account['id']}"
    renamed = await client.patch(
        path,
        json={"name": "Renamed", "source_warehouses": ["b", "A"], "safety_buffer": 3},
        headers=admin_headers,
    )
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert (body["name"], body["source_warehouses"], body["safety_buffer"]) == (
        "Renamed",
        ["B", "A"],
        3,
    )
    assert body["credentials_updated_at"] == account["credentials_updated_at"]

    new_key = "IST.rotated-key-0123456789-abcd"
    rotated = await client.patch(
        path, json={"credentials": {"api_key": new_key}}, headers=admin_headers
    )
    assert rotated.status_code == 200
    assert rotated.json()["credentials"]["api_key"] == MASK + "abcd"
    assert rotated.json()["credentials_updated_at"] > account["credentials_updated_at"]
    assert await load_credentials(account["id"]) == WixCredentials(
        api_key=new_key, site_id=WIX_SITE, account_id=WIX_ACCOUNT
    )
    refused = await client.patch(path, json={"safety_buffer": -5}, headers=admin_headers)
    assert refused.status_code == 400 and refused.json()["field"] == "safety_buffer"
    missing = await client.patch("/api/accounts/999999", json={"name": "x"}, headers=admin_headers)
    assert missing.status_code == 404


async def test_deactivate_and_activate(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(client, admin_headers)
    path = f"/api/accounts/{account['id']}"
    off = await client.post(f"{path}/deactivate", headers=admin_headers)
    assert off.status_code == 200 and off.json()["active"] is False
    inactive = await client.get("/api/accounts?active=false", headers=admin_headers)
    assert [a["id"] for a in inactive.json()] == [account["id"]]
    assert (await client.get("/api/accounts?active=true", headers=admin_headers)).json() == []
    on = await client.post(f"{path}/activate", headers=admin_headers)
    assert on.status_code == 200 and on.json()["active"] is True
    assert (
        await client.post("/api/accounts/999999/activate", headers=admin_headers)
    ).status_code == 404


async def test_filter_by_marketplace_and_openapi_lists_the_routes(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    await create_account(client, admin_headers)
    await create_account(
        client, admin_headers, marketplace="allegro", name="Seller", credentials=ALLEGRO_CREDENTIALS
    )
    only = await client.get("/api/accounts?marketplace=allegro", headers=admin_headers)
    assert [a["marketplace"] for a in only.json()] == ["allegro"]
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/accounts/{account_id}/listings/{listing_id}" in schema["paths"]
    assert "/api/accounts/{account_id}/automap" in schema["paths"]
