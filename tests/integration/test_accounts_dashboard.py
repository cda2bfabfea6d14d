"""The account pages and their forms, over a cookie session: add, edit, deactivate, map by hand,
pause and remove listings; auto-map's 503 shown as the form's error; viewers only read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from server.domain.credentials import WixCredentials, load_credentials
from server.domain.db import fetch_one
from tests.integration.accounts_helpers import (
    MASK,
    WIX_ACCOUNT,
    WIX_KEY,
    WIX_SITE,
    create_account,
)


async def _session(user: Any) -> tuple[dict[str, str], str]:
    from server.domain.auth import create_session

    token, csrf = await create_session(user.id, timedelta(hours=1))
    return {"Cookie": f"sb_session={token}"}, csrf


@pytest.fixture
async def admin_session(admin: Any) -> tuple[dict[str, str], str]:
    return await _session(admin)


def _form(csrf: str, **fields: Any) -> dict[str, Any]:
    return {"_csrf": csrf, **fields}


async def _follow(
    client: httpx.AsyncClient, answer: httpx.Response, cookie: dict[str, str]
) -> httpx.Response:
    """GET the redirect target with the session and the flash cookie the redirect set."""
    assert answer.status_code == 303, answer.text
    flash = answer.cookies.get("sb_flash")
    client.cookies.clear()
    headers = {"Cookie": f"{cookie['Cookie']}; sb_flash={flash}"} if flash else cookie
    return await client.get(answer.headers["location"], headers=headers)


async def test_admin_adds_a_wix_account(
    client: httpx.AsyncClient, admin_session: tuple[dict[str, str], str], warehouses: list[str]
) -> None:
    cookie, csrf = admin_session
    form = _form(
        csrf,
        marketplace="wix",
        name="Dashboard shop",
        safety_buffer="2",
        source_warehouses=["B", "A"],
        **{
            "credentials.api_key": WIX_KEY,
            "credentials.site_id": WIX_SITE,
            "credentials.account_id": WIX_ACCOUNT,
        },
    )
    answer = await client.post("/accounts", data=form, headers=cookie)
    page = await _follow(client, answer, cookie)
    assert "Wix account Dashboard shop added." in page.text
    assert MASK + WIX_KEY[-4:] in page.text and WIX_KEY not in page.text
    row = await fetch_one("SELECT id, safety_buffer FROM marketplace_account")
    assert row is not None and row["safety_buffer"] == 2
    assert await load_credentials(row["id"]) == WixCredentials(
        api_key=WIX_KEY, site_id=WIX_SITE, account_id=WIX_ACCOUNT
    )
    listed = await client.get("/accounts", headers=cookie)
    assert "Dashboard shop" in listed.text and MASK + WIX_KEY[-4:] in listed.text


async def test_a_refused_account_form_keeps_text_but_not_credentials(
    client: httpx.AsyncClient, admin_session: tuple[dict[str, str], str], warehouses: list[str]
) -> None:
    cookie, csrf = admin_session
    form = _form(
        csrf,
        marketplace="wix",
        name="Typed name",
        safety_buffer="0",
        source_warehouses="A",
        **{
            "credentials.api_key": WIX_KEY,
            "credentials.site_id": "bad id",
            "credentials.account_id": WIX_ACCOUNT,
        },
    )
    answer = await client.post("/accounts", data=form, headers=cookie)
    assert answer.status_code == 422
    assert "Site ID may hold only visible ASCII characters" in answer.text
    assert 'value="Typed name"' in answer.text
    assert WIX_KEY not in answer.text and WIX_ACCOUNT not in answer.text
    assert 'name="credentials.site_id"' in answer.text and 'aria-invalid="true"' in answer.text
    none = _form(
        csrf,
        marketplace="wix",
        name="x",
        safety_buffer="0",
        **{
            "credentials.api_key": WIX_KEY,
            "credentials.site_id": WIX_SITE,
            "credentials.account_id": WIX_ACCOUNT,
        },
    )
    refused = await client.post("/accounts", data=none, headers=cookie)
    assert refused.status_code == 422 and "Choose at least one source warehouse" in refused.text
    assert await fetch_one("SELECT count(*)::int AS n FROM marketplace_account") == {"n": 0}


async def test_edit_keeps_blank_credentials_and_status_toggles(
    client: httpx.AsyncClient,
    admin_session: tuple[dict[str, str], str],
    admin_headers: dict[str, str],
    warehouses: list[str],
) -> None:
    cookie, csrf = admin_session
    account = await create_account(client, admin_headers, source_warehouses=["A", "B"])
    base = f"/accounts/{account['id']}"
    form = _form(
        csrf,
        name="New name",
        safety_buffer="4",
        source_warehouses=["B", "A"],
        **{"credentials.api_key": "", "credentials.site_id": "new-site-0001"},
    )
    answer = await client.post(f"{base}/edit", data=form, headers=cookie)
    assert answer.status_code == 303, answer.text
    saved = (await client.get(f"/api/accounts/{account['id']}", headers=admin_headers)).json()
    assert (saved["name"], saved["safety_buffer"]) == ("New name", 4)
    assert saved["source_warehouses"] == ["A", "B"]  # the present order is kept
    assert await load_credentials(account["id"]) == WixCredentials(
        api_key=WIX_KEY, site_id="new-site-0001", account_id=WIX_ACCOUNT
    )
    off = await client.post(f"{base}/status", data=_form(csrf, active="0"), headers=cookie)
    page = await _follow(client, off, cookie)
    assert "is deactivated" in page.text and "Activate account" in page.text
    bad = await client.post(f"{base}/status", data=_form(csrf, active="maybe"), headers=cookie)
    assert bad.status_code == 422


async def test_mappings_by_hand_pause_and_remove(
    client: httpx.AsyncClient,
    admin_session: tuple[dict[str, str], str],
    admin_headers: dict[str, str],
    product: str,
) -> None:
    cookie, csrf = admin_session
    account = await create_account(client, admin_headers)
    base = f"/accounts/{account['id']}"
    refused = await client.post(
        f"{base}/listings", data=_form(csrf, sku=product, wix_product_id="p-1"), headers=cookie
    )
    assert refused.status_code == 422 and "Wix variant id is required" in refused.text
    form = _form(
        csrf, sku=product, wix_product_id="p-1", wix_variant_id="v-1", wix_inventory_item_id=""
    )
    added = await client.post(f"{base}/listings", data=form, headers=cookie)
    page = await _follow(client, added, cookie)
    assert "Mapped SKU-1 to product p-1 / variant v-1." in page.text
    listing = await fetch_one("SELECT id FROM listing")
    assert listing is not None
    paused = await client.post(
        f"{base}/listings/{listing['id']}/active", data=_form(csrf, active="0"), headers=cookie
    )
    assert paused.status_code == 303
    assert await fetch_one("SELECT active FROM listing") == {"active": False}
    removed = await client.post(
        f"{base}/listings/{listing['id']}/delete", data=_form(csrf), headers=cookie
    )
    assert removed.status_code == 303
    assert await fetch_one("SELECT count(*)::int AS n FROM listing") == {"n": 0}
    gone = await client.post(
        f"{base}/listings/{listing['id']}/delete", data=_form(csrf), headers=cookie
    )
    assert gone.status_code == 404


@pytest.mark.parametrize(("action", "form"), [("automap", "automap"), ("test", "test")])
async def test_without_a_client_the_form_shows_the_503(
    no_connectors: None,
    client: httpx.AsyncClient,
    admin_session: tuple[dict[str, str], str],
    admin_headers: dict[str, str],
    warehouses: list[str],
    action: str,
    form: str,
) -> None:
    cookie, csrf = admin_session
    account = await create_account(client, admin_headers)
    answer = await client.post(
        f"/accounts/{account['id']}/{action}", data=_form(csrf), headers=cookie
    )
    assert answer.status_code == 503
    assert f'id="{form}-error"' in answer.text
    assert "Marketplace client not configured for wix" in answer.text


async def test_viewers_read_and_cannot_post(
    client: httpx.AsyncClient, viewer: Any, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(client, admin_headers)
    cookie, csrf = await _session(viewer)
    page = await client.get(f"/accounts/{account['id']}", headers=cookie)
    assert page.status_code == 200 and MASK + WIX_KEY[-4:] in page.text
    assert page.text.count('method="post"') == 1  # only "Log out"
    listed = await client.get("/accounts", headers=cookie)
    assert 'id="account"' not in listed.text
    for path in (
        "/accounts",
        f"/accounts/{account['id']}/edit",
        f"/accounts/{account['id']}/automap",
    ):
        answer = await client.post(path, data=_form(csrf, name="x"), headers=cookie)
        assert answer.status_code == 403
