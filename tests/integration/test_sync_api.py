"""The sync API: who may start syncs and flip the switch, validation, and reading runs and items."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from server.domain.accounts import NewAccount, create_account
from server.domain.auth import create_session
from server.domain.db import fetch, fetch_one
from server.domain.hooks import add_stock_change_listener, remove_stock_change_listener
from server.domain.product_sync import set_sync_enabled
from server.domain.refs import Actor
from server.sync import records
from server.sync.records import NewSyncItem
from tests.integration.accounts_helpers import WIX_CREDENTIALS, add_products

WRITES = [
    ("POST", "/api/sync", {"scope": "all"}, 202),
    ("PATCH", "/api/products/SKU-1/sync", {"is_sync_enabled": False}, 200),
    ("POST", "/warehouse/sync-wix/", None, 202),
    ("POST", "/api/v1/wix/sync-inventory", None, 202),
]


@pytest.fixture
async def account(warehouses: list[str]) -> int:
    new = NewAccount(
        marketplace="wix", name="Shop", credentials=WIX_CREDENTIALS, source_warehouses=["A"]
    )
    return (await create_account(new)).id


@pytest.mark.parametrize(("method", "path", "body", "status"), WRITES)
async def test_write_routes_auth_matrix(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    viewer_headers: dict[str, str],
    product: str,
    account: int,
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
) -> None:
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    viewer = await client.request(method, path, json=body, headers=viewer_headers)
    assert viewer.status_code == 403
    allowed = await client.request(method, path, json=body, headers=admin_headers)
    assert allowed.status_code == status, allowed.text


async def test_start_sync_records_a_pending_run(
    client: httpx.AsyncClient, admin_headers: dict[str, str], product: str, account: int
) -> None:
    body = {"scope": "sku", "sku": product, "dry_run": True}
    response = await client.post("/api/sync", json=body, headers=admin_headers)
    assert response.status_code == 202
    run_id = response.json()["run_id"]
    assert response.json()["status"] == "PENDING"
    run = (await client.get(f"/api/sync/runs/{run_id}", headers=admin_headers)).json()
    assert (run["scope"], run["scope_sku"], run["dry_run"], run["trigger"]) == (
        "sku",
        product,
        True,
        "api",
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"scope": "account", "account_id": 999}, 404, "account_id"),
        ({"scope": "sku", "sku": "NOPE"}, 404, "sku"),
        ({"scope": "account"}, 422, "account_id"),
        ({"scope": "sku"}, 422, "sku"),
        ({"scope": "all", "sku": "SKU-1"}, 422, "sku"),
        ({"scope": "everything"}, 400, "scope"),
    ],
)
async def test_start_sync_validation_names_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    product: str,
    body: dict[str, object],
    status: int,
    field: str,
) -> None:
    response = await client.post("/api/sync", json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


async def test_switch_records_sync_toggle(
    client: httpx.AsyncClient, admin_headers: dict[str, str], product: str
) -> None:
    off = await client.patch(
        f"/api/products/{product}/sync", json={"is_sync_enabled": False}, headers=admin_headers
    )
    assert off.json() == {"sku": product, "is_sync_enabled": False}
    again = await client.patch(
        f"/api/products/{product}/sync", json={"is_sync_enabled": False}, headers=admin_headers
    )
    assert again.status_code == 200
    ops = await fetch("SELECT new_values, user_email FROM operation WHERE type = 'SYNC_TOGGLE'")
    assert [op["user_email"] for op in ops] == ["admin@example.com"]
    row = await fetch_one("SELECT is_sync_enabled FROM product WHERE sku = {}", product)
    assert row == {"is_sync_enabled": False}
    missing = await client.patch(
        "/api/products/NOPE/sync", json={"is_sync_enabled": True}, headers=admin_headers
    )
    assert missing.status_code == 404


async def test_runs_and_items_paging(
    client: httpx.AsyncClient, admin_headers: dict[str, str], account: int
) -> None:
    run_ids = [await records.create_run("cron") for _ in range(3)]
    first = (await client.get("/api/sync/runs?limit=2", headers=admin_headers)).json()
    assert [run["id"] for run in first["items"]] == run_ids[:0:-1]
    rest = await client.get(
        f"/api/sync/runs?limit=2&before={first['next_before']}", headers=admin_headers
    )
    assert [run["id"] for run in rest.json()["items"]] == [run_ids[0]]
    assert rest.json()["next_before"] is None
    await add_products(["P-1", "P-2", "P-3"])
    listings = await fetch(
        "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, active, "
        "created_at, updated_at) SELECT {}, s, 'wp-' || s, 'wv-' || s, true, now(), now() "
        "FROM unnest({}::text[]) AS s ORDER BY s RETURNING id, product",
        account,
        ["P-1", "P-2", "P-3"],
    )
    items = [
        NewSyncItem(
            listing_id=row["id"],
            account_id=account,
            sku=row["product"],
            local_quantity=1,
            new_quantity=1,
            status="FAILED" if row["product"] == "P-2" else "PENDING",
            error="boom" if row["product"] == "P-2" else None,
        )
        for row in listings
    ]
    await records.add_items(run_ids[0], items)
    url = f"/api/sync/runs/{run_ids[0]}/items"
    page = (await client.get(url + "?limit=2", headers=admin_headers)).json()
    assert [item["sku"] for item in page["items"]] == ["P-1", "P-2"]
    more = (await client.get(f"{url}?after={page['next_cursor']}", headers=admin_headers)).json()
    assert [item["sku"] for item in more["items"]] == ["P-3"]
    failed = (await client.get(url + "?status=FAILED", headers=admin_headers)).json()
    assert [(item["sku"], item["error"]) for item in failed["items"]] == [("P-2", "boom")]
    missing = await client.get("/api/sync/runs/9999/items", headers=admin_headers)
    assert missing.status_code == 404


async def test_seed_wix_endpoints(
    client: httpx.AsyncClient, admin_headers: dict[str, str], account: int
) -> None:
    response = await client.post("/warehouse/sync-wix/", headers=admin_headers)
    assert response.status_code == 202
    body = response.json()
    assert body["run_ids"] == [body["task_id"]]
    run = await records.get_run(body["task_id"])
    assert (run.scope, run.scope_account_id) == ("account", account)
    status = await client.get(
        f"/warehouse/sync-wix/status/{body['task_id']}", headers=admin_headers
    )
    assert status.json()["status"] == "PENDING"
    assert status.json()["pushed"] == 0
    missing = await client.get("/warehouse/sync-wix/status/9999", headers=admin_headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


async def test_seed_wix_sync_without_accounts(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/wix/sync-inventory", headers=admin_headers)
    assert response.status_code == 422


async def test_cookie_session_needs_csrf_on_seed_and_sync_routes(
    client: httpx.AsyncClient, admin: object, account: int
) -> None:
    token, csrf = await create_session(admin.id, timedelta(hours=1))  # type: ignore[attr-defined]
    cookie = {"Cookie": f"sb_session={token}"}
    for path in ("/warehouse/sync-wix/", "/api/sync"):
        refused = await client.post(path, json={"scope": "all"}, headers=cookie)
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"
        headers = {**cookie, "X-CSRF-Token": csrf}
        accepted = await client.post(path, json={"scope": "all"}, headers=headers)
        assert accepted.status_code == 202, accepted.text


async def test_switching_on_asks_for_a_push(product: str) -> None:
    heard: list[list[str]] = []

    async def listener(skus: list[str]) -> None:
        heard.append(skus)

    add_stock_change_listener(listener)
    try:
        actor = Actor(email="t@example.com")
        assert await set_sync_enabled(product, False, actor=actor) is False
        assert heard == []
        assert await set_sync_enabled(product, True, actor=actor) is True
        assert heard == [[product]]
    finally:
        remove_stock_change_listener(listener)
    rows = await fetch("SELECT old_values, new_values FROM operation WHERE type = 'SYNC_TOGGLE'")
    assert [json.loads(row["new_values"]) for row in rows] == [
        {"is_sync_enabled": False},
        {"is_sync_enabled": True},
    ]
