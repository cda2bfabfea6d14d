"""The order pages over a cookie session: the list and its filters, one order, conflicts resolved
from their form (refusals shown on the page), "Import now", viewers, and restock on cancel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from arq.constants import job_key_prefix

from server.domain.auth import create_session
from server.domain.db import fetch_one
from server.domain.users import UserRecord
from server.orders.jobs import account_job_id
from tests.integration.accounts_helpers import ALLEGRO_CLIENT, ALLEGRO_SECRET, app_of
from tests.integration.orders_helpers import forget_import_jobs, seed_orders
from tests.orders.helpers import operations, quantity, stocked_offer

pytestmark = pytest.mark.usefixtures("warehouses")


async def _session(user: UserRecord) -> tuple[dict[str, str], str]:
    token, csrf = await create_session(user.id, timedelta(hours=1))
    return {"Cookie": f"sb_session={token}"}, csrf


@pytest.fixture
async def orders() -> dict[str, int]:
    return await seed_orders()


@pytest.fixture
async def import_jobs(client: httpx.AsyncClient) -> AsyncIterator[None]:
    arq = app_of(client).state.arq
    await forget_import_jobs(arq)
    yield
    await forget_import_jobs(arq)


async def test_order_list_filters_and_order_page(
    client: httpx.AsyncClient, admin: UserRecord, orders: dict[str, int]
) -> None:
    cookie, _ = await _session(admin)
    page = await client.get("/orders", headers=cookie)
    assert page.status_code == 200
    for external_id in ("done", "conflict", "open", "cancelled", "wix-1"):
        assert f">{external_id}</a>" in page.text
    assert 'data-testid="conflicts-link"><strong>1</strong> line in conflict' in page.text
    assert "Import now" in page.text and 'href="/orders" aria-current="page"' in page.text
    filtered = await client.get("/orders?state=CONFLICT&conflicts=yes", headers=cookie)
    assert ">conflict</a>" in filtered.text and ">done</a>" not in filtered.text
    by_status = await client.get("/orders?status=BOUGHT", headers=cookie)
    assert ">open</a>" in by_status.text and ">wix-1</a>" not in by_status.text
    paged = await client.get(f"/orders?before={orders['open']}", headers=cookie)
    assert ">conflict</a>" in paged.text and ">wix-1</a>" not in paged.text
    assert "First page" in paged.text
    detail = await client.get(f"/orders/{orders['done']}", headers=cookie)
    assert detail.status_code == 200
    assert 'data-state="DEDUCTED"' in detail.text
    assert 'href="/products/SKU-1"' in detail.text
    assert "order deduction" in detail.text and "→ <span" in detail.text
    assert (await client.get("/orders/999", headers=cookie)).status_code == 404


async def test_resolve_from_the_conflicts_page(
    client: httpx.AsyncClient, admin: UserRecord, orders: dict[str, int]
) -> None:
    cookie, csrf = await _session(admin)
    await stocked_offer(orders["seller"], "SKU-2", "222", {"A": 1})
    page = await client.get("/orders/conflicts", headers=cookie)
    assert page.status_code == 200
    assert "unknown_item: no listing or product matches 999" in page.text
    row = await fetch_one("SELECT id FROM order_line WHERE status = 'CONFLICT'")
    assert row is not None
    url = f"/orders/lines/{row['id']}/resolve"
    unknown = await client.post(url, data={"_csrf": csrf, "sku": "NOPE"}, headers=cookie)
    assert unknown.status_code == 404
    assert "Not saved." in unknown.text and "No product with SKU &#39;NOPE&#39;" in unknown.text
    assert 'aria-invalid="true"' in unknown.text
    short = await client.post(url, data={"_csrf": csrf, "sku": "SKU-2"}, headers=cookie)
    assert short.status_code == 409, short.text
    assert "no source warehouse of the account has 2 of SKU-2" in short.text
    done = await client.post(url, data={"_csrf": csrf, "sku": "SKU-1"}, headers=cookie)
    assert (done.status_code, done.headers["location"]) == (303, f"/orders/{orders['conflict']}")
    shown = await client.get(
        done.headers["location"], headers={"Cookie": _with_flash(done, cookie)}
    )
    assert "Order line mapped to SKU-1: deducted. The order is done." in shown.text
    assert 'data-state="DEDUCTED"' in shown.text
    assert await quantity("SKU-1", "A") == 5
    again = await client.post(url, data={"_csrf": csrf, "sku": "SKU-1"}, headers=cookie)
    assert again.status_code == 409 and "not a conflict" in again.text
    assert await operations("ORDER_DEDUCTION") == 3
    empty = await client.get("/orders/conflicts", headers=cookie)
    assert "No conflicts: every imported line matched" in empty.text


def _with_flash(response: httpx.Response, cookie: dict[str, str]) -> str:
    flash = response.cookies.get("sb_flash")
    return f"{cookie['Cookie']}; sb_flash={flash}"


@pytest.mark.usefixtures("import_jobs")
async def test_import_now_queues_the_jobs(
    client: httpx.AsyncClient, admin: UserRecord, orders: dict[str, int]
) -> None:
    cookie, csrf = await _session(admin)
    refused = await client.post(
        "/orders/import", data={"_csrf": csrf, "scope": "account", "account_id": ""}, headers=cookie
    )
    assert refused.status_code == 422 and "Account is required" in refused.text
    one = {"_csrf": csrf, "scope": "account", "account_id": str(orders["shop"])}
    queued = await client.post("/orders/import", data=one, headers=cookie)
    assert (queued.status_code, queued.headers["location"]) == (303, "/orders")
    arq = app_of(client).state.arq
    assert await arq.exists(job_key_prefix + account_job_id(orders["shop"]))
    assert not await arq.exists(job_key_prefix + account_job_id(orders["seller"]))
    every = await client.post(
        "/orders/import", data={"_csrf": csrf, "scope": "all"}, headers=cookie
    )
    page = await client.get("/orders", headers={"Cookie": _with_flash(every, cookie)})
    assert (
        "Order import queued for 1 account. Already queued or running for 1 account." in page.text
    )
    assert await arq.exists(job_key_prefix + account_job_id(orders["seller"]))


async def test_viewer_sees_the_pages_but_no_forms(
    client: httpx.AsyncClient, viewer: UserRecord, orders: dict[str, int]
) -> None:
    cookie, csrf = await _session(viewer)
    for path in ("/orders", "/orders/conflicts", f"/orders/{orders['conflict']}"):
        page = await client.get(path, headers=cookie)
        assert page.status_code == 200
        assert "Map and deduct" not in page.text and "Import now</button>" not in page.text
    assert "unknown_item" in (await client.get("/orders/conflicts", headers=cookie)).text
    row = await fetch_one("SELECT id FROM order_line WHERE status = 'CONFLICT'")
    assert row is not None
    resolve = await client.post(
        f"/orders/lines/{row['id']}/resolve", data={"_csrf": csrf, "sku": "SKU-1"}, headers=cookie
    )
    assert resolve.status_code == 403
    imported = await client.post("/orders/import", data={"_csrf": csrf}, headers=cookie)
    assert imported.status_code == 403
    assert await quantity("SKU-1", "A") == 7


async def test_restock_on_cancel_on_the_account_form_and_api(
    client: httpx.AsyncClient, admin: UserRecord, admin_headers: dict[str, str]
) -> None:
    cookie, csrf = await _session(admin)
    ids = await seed_orders()
    account = f"/api/accounts/{ids['shop']}"
    assert (await client.get(account, headers=admin_headers)).json()["restock_on_cancel"] is True
    form = {
        "_csrf": csrf,
        "name": "Shop",
        "source_warehouses": "A",
        "safety_buffer": "0",
        "restock_on_cancel": "0",
    }
    saved = await client.post(f"/accounts/{ids['shop']}/edit", data=form, headers=cookie)
    assert saved.status_code == 303, saved.text
    assert (await client.get(account, headers=admin_headers)).json()["restock_on_cancel"] is False
    page = await client.get(f"/accounts/{ids['shop']}", headers=cookie)
    assert 'data-testid="restock-on-cancel">No<' in page.text
    checked = {**form, "restock_on_cancel": ["0", "1"]}
    await client.post(f"/accounts/{ids['shop']}/edit", data=checked, headers=cookie)
    assert (await client.get(account, headers=admin_headers)).json()["restock_on_cancel"] is True
    off = await client.patch(account, json={"restock_on_cancel": False}, headers=admin_headers)
    assert off.status_code == 200 and off.json()["restock_on_cancel"] is False
    kept = await client.patch(account, json={"safety_buffer": 1}, headers=admin_headers)
    assert kept.json()["restock_on_cancel"] is False
    bad = await client.patch(account, json={"restock_on_cancel": "maybe"}, headers=admin_headers)
    assert bad.status_code == 400 and bad.json()["field"] == "restock_on_cancel"


async def test_new_account_without_restock_on_cancel(
    client: httpx.AsyncClient, admin: UserRecord
) -> None:
    cookie, csrf = await _session(admin)
    form = {
        "_csrf": csrf,
        "marketplace": "allegro",
        "name": "No restock",
        "source_warehouses": "A",
        "safety_buffer": "0",
        "restock_on_cancel": "0",
        "credentials.client_id": ALLEGRO_CLIENT,
        "credentials.client_secret": ALLEGRO_SECRET,
    }
    created = await client.post("/accounts", data=form, headers=cookie)
    assert created.status_code == 303, created.text
    row = await fetch_one("SELECT restock_on_cancel FROM marketplace_account")
    assert row == {"restock_on_cancel": False}
    page = await client.get("/accounts?marketplace=allegro", headers=cookie)
    assert 'name="restock_on_cancel" value="1" checked' in page.text
