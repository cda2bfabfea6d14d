"""Who may do what on the JSON API: anonymous 401, viewer 403 on writes, admin allowed."""

from __future__ import annotations

import httpx
import pytest

WRITE_ROUTES: list[tuple[str, str, dict[str, object] | None]] = [
    ("POST", "/api/products", {"sku": "NEW-1", "name": "New"}),
    ("DELETE", "/api/products/SKU-1", None),
    ("POST", "/api/warehouses", {"code": "C", "name": "Third"}),
    ("POST", "/api/stock/receipts", {"sku": "SKU-1", "warehouse": "A", "quantity": 5}),
    ("POST", "/api/stock/sales", {"sku": "SKU-1", "warehouse": "A", "quantity": 1}),
    (
        "POST",
        "/api/stock/transfers",
        {"sku": "SKU-1", "from_warehouse": "A", "to_warehouse": "B", "quantity": 1},
    ),
    (
        "POST",
        "/api/stock/adjustments",
        {"sku": "SKU-1", "warehouse": "A", "quantity": 3, "reason": "count"},
    ),
]
READ_ROUTES = [
    "/api/products",
    "/api/products/SKU-1",
    "/api/products/SKU-1/stock",
    "/api/warehouses",
    "/api/operations",
    "/api/auth/tokens",
]


async def _operation_count(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await client.get("/api/operations?limit=200", headers=headers)
    return len(response.json()["items"])


@pytest.mark.parametrize(("method", "path", "body"), WRITE_ROUTES)
async def test_anonymous_write_is_401_json(
    client: httpx.AsyncClient,
    product: str,
    admin_headers: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    before = await _operation_count(client, admin_headers)
    response = await client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await _operation_count(client, admin_headers) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITE_ROUTES)
async def test_viewer_write_is_403_json(
    client: httpx.AsyncClient,
    product: str,
    admin_headers: dict[str, str],
    viewer_headers: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    before = await _operation_count(client, admin_headers)
    response = await client.request(method, path, json=body, headers=viewer_headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await _operation_count(client, admin_headers) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITE_ROUTES)
async def test_admin_write_succeeds(
    client: httpx.AsyncClient,
    product: str,
    admin_headers: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    await client.post(
        "/api/stock/receipts",
        json={"sku": "SKU-1", "warehouse": "A", "quantity": 10},
        headers=admin_headers,
    )
    response = await client.request(method, path, json=body, headers=admin_headers)
    assert response.status_code in (201, 204), response.text


@pytest.mark.parametrize("path", READ_ROUTES)
async def test_reads_need_a_user_and_allow_viewers(
    client: httpx.AsyncClient, product: str, viewer_headers: dict[str, str], path: str
) -> None:
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=viewer_headers)).status_code == 200


async def test_token_issue_use_and_revoke(client: httpx.AsyncClient, admin: object) -> None:
    bad = await client.post(
        "/api/auth/token", json={"email": "admin@example.com", "password": "wrong-password"}
    )
    assert bad.status_code == 401
    issued = await client.post(
        "/api/auth/token",
        json={"email": "admin@example.com", "password": "admin-password-1", "name": "laptop"},
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = await client.get("/api/auth/tokens", headers=headers)
    assert listed.status_code == 200
    assert token not in listed.text
    token_id = issued.json()["id"]
    assert (await client.delete(f"/api/auth/tokens/{token_id}", headers=headers)).status_code == 204
    assert (await client.get("/api/products", headers=headers)).status_code == 401


async def test_garbage_and_wrong_scheme_tokens_are_401(client: httpx.AsyncClient) -> None:
    for value in ("Bearer nonsense", "Basic YWRtaW46YWRtaW4=", "Bearer "):
        response = await client.get("/api/products", headers={"Authorization": value})
        assert response.status_code == 401


async def test_cookie_session_write_without_csrf_is_refused(
    client: httpx.AsyncClient, product: str
) -> None:
    from datetime import timedelta

    from server.domain.auth import create_session
    from server.domain.users import create_user

    admin = await create_user("cookie-admin@example.com", "admin-password-1", "admin")
    token, csrf = await create_session(admin.id, timedelta(hours=1))
    cookie = {"Cookie": f"sb_session={token}"}
    body = {"sku": "SKU-1", "warehouse": "A", "quantity": 2}
    refused = await client.post("/api/stock/receipts", json=body, headers=cookie)
    assert refused.status_code == 403
    wrong = await client.post(
        "/api/stock/receipts", json=body, headers={**cookie, "X-CSRF-Token": "x" * 43}
    )
    assert wrong.status_code == 403
    accepted = await client.post(
        "/api/stock/receipts", json=body, headers={**cookie, "X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 201
