"""Connecting an Allegro account through the dashboard's API, against the Allegro sandbox.

The whole path is real: the account's encrypted credentials, the device flow over HTTP to the
sandbox (approved through its admin API, as the seller would on allegro.pl), tokens saved
encrypted, the account test (`GET /me`) and auto-map of the seller's offers by external id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.connectors.factory import build_connectors
from server.domain.connectors import CONNECTORS_STATE_KEY
from server.domain.db import fetch_one
from server.domain.products import NewProduct, create_product
from server.domain.refs import Actor
from server.sandboxes.allegro import create_allegro_sandbox, generate_seed
from server.sandboxes.common import SandboxTransport
from server.settings import get_settings
from tests.integration.accounts_helpers import app_of, create_account

DEMO = {"client_id": "stockbridge-demo", "client_secret": "stockbridge-demo-secret"}


@pytest.fixture
async def sandbox(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """An Allegro sandbox wired into the app's connectors; yields a client for its admin API."""
    sandbox_app = create_allegro_sandbox(seed=generate_seed(sellers=2, offers_per_seller=12))
    app = app_of(client)
    saved = app.state.get(CONNECTORS_STATE_KEY)
    app.state[CONNECTORS_STATE_KEY] = build_connectors(
        get_settings(), app.state.redis, allegro_transport=SandboxTransport(sandbox_app)
    )
    admin = httpx.AsyncClient(transport=SandboxTransport(sandbox_app), base_url="http://sandbox")
    try:
        yield admin
    finally:
        await admin.aclose()
        app.state[CONNECTORS_STATE_KEY] = saved


async def _account(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    return await create_account(
        client, headers, marketplace="allegro", name="Allegro seller", credentials=DEMO
    )


async def test_connect_test_and_automap(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    warehouses: list[str],
    sandbox: httpx.AsyncClient,
) -> None:
    for number in range(1, 6):
        await create_product(NewProduct(sku=f"SB-{number:05d}", name=f"P{number}"), actor=Actor())
    account = await _account(client, admin_headers)
    base = f"/api/accounts/{account['id']}"
    before = (await client.post(f"{base}/test", headers=admin_headers)).json()
    assert before["ok"] is False
    assert "Not connected" in before["message"]

    started = await client.post(f"{base}/connect", headers=admin_headers)
    assert started.status_code == 201, started.text
    code = started.json()["user_code"]
    assert "device_code" not in started.text
    waiting = await client.post(f"{base}/connect/poll", headers=admin_headers)
    assert waiting.json()["status"] == "pending"

    approve = await sandbox.post(
        "/_sandbox/device/approve", json={"userCode": code, "seller": "StockBridgeDemo1"}
    )
    assert approve.status_code == 200, approve.text
    done = await client.post(f"{base}/connect/poll", headers=admin_headers)
    assert done.json() == {"status": "connected", "message": "Connected to Allegro."}

    row = await fetch_one("SELECT credentials::text AS c FROM marketplace_account")
    assert row is not None
    assert "demo-" not in row["c"]
    assert "stockbridge-demo-secret" not in row["c"]
    tested = (await client.post(f"{base}/test", headers=admin_headers)).json()
    assert tested["ok"] is True, tested

    mapped = await client.post(f"{base}/automap", headers=admin_headers)
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["created_mappings"] >= 4
    again = (await client.post(f"{base}/automap", headers=admin_headers)).json()
    assert again["created_mappings"] == 0


async def test_poll_without_start_and_denied_code(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    warehouses: list[str],
    sandbox: httpx.AsyncClient,
) -> None:
    account = await _account(client, admin_headers)
    base = f"/api/accounts/{account['id']}"
    nothing = await client.post(f"{base}/connect/poll", headers=admin_headers)
    assert nothing.status_code == 409
    assert nothing.json()["code"] == "device_flow_failed"
    code = (await client.post(f"{base}/connect", headers=admin_headers)).json()["user_code"]
    await sandbox.post("/_sandbox/device/deny", json={"userCode": code})
    denied = await client.post(f"{base}/connect/poll", headers=admin_headers)
    assert denied.status_code == 409
    assert "refused" in denied.json()["detail"]
    gone = await client.post(f"{base}/connect/poll", headers=admin_headers)
    assert gone.status_code == 409


async def test_wix_account_cannot_use_the_device_flow(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(client, admin_headers)
    answer = await client.post(f"/api/accounts/{account['id']}/connect", headers=admin_headers)
    assert answer.status_code == 422
    assert answer.json()["field"] == "account_id"


async def test_viewer_cannot_connect(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    viewer_headers: dict[str, str],
    warehouses: list[str],
) -> None:
    account = await _account(client, admin_headers)
    answer = await client.post(f"/api/accounts/{account['id']}/connect", headers=viewer_headers)
    assert answer.status_code == 403
