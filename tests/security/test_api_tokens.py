"""API tokens are revocable: a revoked token is 401 at once, only its owner can revoke it, and a
deactivated user's tokens stop working."""

from __future__ import annotations

import httpx

from server.domain.db import fetch
from tests.seeded_secrets import ADMIN_PASSWORD, VIEWER_PASSWORD


async def _issue(
    client: httpx.AsyncClient, email: str, password: str
) -> tuple[int, dict[str, str]]:
    issued = await client.post("/api/auth/token", json={"email": email, "password": password})
    assert issued.status_code == 201, issued.text
    return issued.json()["id"], {"Authorization": f"Bearer {issued.json()['token']}"}


async def test_a_revoked_token_is_refused_everywhere(
    client: httpx.AsyncClient, admin: object
) -> None:
    token_id, headers = await _issue(client, "admin@example.com", ADMIN_PASSWORD)
    _, other = await _issue(client, "admin@example.com", ADMIN_PASSWORD)
    assert (await client.delete(f"/api/auth/tokens/{token_id}", headers=other)).status_code == 204
    for method, path in (("GET", "/api/products"), ("POST", "/api/warehouses")):
        response = await client.request(
            method, path, json={"code": "Z", "name": "Z"}, headers=headers
        )
        assert response.status_code == 401, (method, path)
    listed = (await client.get("/api/auth/tokens", headers=other)).json()
    assert [t["revoked_at"] is not None for t in listed] == [False, True]
    again = await client.delete(f"/api/auth/tokens/{token_id}", headers=other)
    assert again.status_code == 204, "revoking twice is harmless"


async def test_nobody_revokes_another_users_token(
    client: httpx.AsyncClient, admin: object, viewer: object
) -> None:
    admin_token, admin_headers = await _issue(client, "admin@example.com", ADMIN_PASSWORD)
    _, viewer_headers = await _issue(client, "viewer@example.com", VIEWER_PASSWORD)
    refused = await client.delete(f"/api/auth/tokens/{admin_token}", headers=viewer_headers)
    assert refused.status_code == 404
    assert (await client.get("/api/products", headers=admin_headers)).status_code == 200


async def test_a_deactivated_users_tokens_stop_working(
    client: httpx.AsyncClient, viewer: object
) -> None:
    _, headers = await _issue(client, "viewer@example.com", VIEWER_PASSWORD)
    assert (await client.get("/api/products", headers=headers)).status_code == 200
    await fetch("UPDATE app_user SET active = false WHERE email = 'viewer@example.com'")
    assert (await client.get("/api/products", headers=headers)).status_code == 401
