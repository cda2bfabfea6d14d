"""Shared data and steps for the account and listing tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from litestar import Litestar

from tests.seeded_secrets import ALLEGRO_SECRET, WIX_KEY

WIX_SITE = "7c1e3b0a-1f2d-4c5e-9a8b-0d1e2f3a4b5c"
WIX_ACCOUNT = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
WIX_CREDENTIALS = {"api_key": WIX_KEY, "site_id": WIX_SITE, "account_id": WIX_ACCOUNT}
ALLEGRO_CLIENT = "f1e2d3c4b5a697887766554433221100"
ALLEGRO_CREDENTIALS = {"client_id": ALLEGRO_CLIENT, "client_secret": ALLEGRO_SECRET}
MASK = "\u2022\u2022\u2022\u2022"
__all__ = [
    "ALLEGRO_CLIENT",
    "ALLEGRO_CREDENTIALS",
    "ALLEGRO_SECRET",
    "MASK",
    "WIX_CREDENTIALS",
    "WIX_KEY",
    "add_products",
    "app_of",
    "create_account",
]


async def create_account(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    """Create an account through the API (a Wix one unless told otherwise) and return it."""
    body: dict[str, Any] = {
        "marketplace": "wix",
        "name": "Main shop",
        "credentials": WIX_CREDENTIALS,
        "source_warehouses": ["A"],
        **overrides,
    }
    response = await client.post("/api/accounts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def add_products(skus: Sequence[str]) -> None:
    """Products straight into the catalogue (no audit rows: these tests are not about them)."""
    from server.domain.db import fetch

    await fetch(
        "INSERT INTO product (sku, name, description, attributes, is_sync_enabled, created_at, "
        "updated_at) SELECT s, 'Product ' || s, '', jsonb_build_object(), true, now(), now() "
        "FROM unnest({}::text[]) AS s",
        list(skus),
    )


def app_of(client: httpx.AsyncClient) -> Litestar:
    """The app behind the in-process test client."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app
    assert isinstance(app, Litestar)
    return app
