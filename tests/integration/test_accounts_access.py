"""Who may do what with accounts and listings (JSON answers), and the marketplace connectors:
503 when none is configured, 502 when the marketplace fails, results when it answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest

from server.domain.accounts import AccountRecord
from server.domain.connectors import (
    CONNECTORS_STATE_KEY,
    AccountTestResult,
    MarketplaceConnectors,
    MarketplaceItem,
)
from tests.integration.accounts_helpers import (
    WIX_CREDENTIALS,
    add_products,
    app_of,
    create_account,
)

NEW_ACCOUNT: dict[str, object] = {
    "marketplace": "wix",
    "name": "Second shop",
    "credentials": WIX_CREDENTIALS,
    "source_warehouses": ["A"],
}
NEW_LISTING: dict[str, object] = {"sku": "SKU-1", "wix_product_id": "p-2", "wix_variant_id": "v-2"}
WRITE_ROUTES: list[tuple[str, str, dict[str, object] | None, int]] = [
    ("POST", "/api/accounts", NEW_ACCOUNT, 201),
    ("PATCH", "/api/accounts/{account}", {"name": "Renamed"}, 200),
    ("POST", "/api/accounts/{account}/deactivate", None, 200),
    ("POST", "/api/accounts/{account}/activate", None, 200),
    ("POST", "/api/accounts/{account}/test", None, 200),
    ("POST", "/api/accounts/{account}/automap", None, 200),
    ("POST", "/api/accounts/{account}/listings", NEW_LISTING, 201),
    ("PATCH", "/api/accounts/{account}/listings/{listing}", {"active": False}, 200),
    ("DELETE", "/api/accounts/{account}/listings/{listing}", None, 204),
]
READ_ROUTES = [
    "/api/accounts",
    "/api/accounts/{account}",
    "/api/accounts/{account}/listings",
    "/api/accounts/{account}/listings/{listing}",
]


class FakeSource:
    """Items as a marketplace client would return them."""

    def __init__(self, items: Sequence[MarketplaceItem] = (), error: Exception | None = None):
        self.items = list(items)
        self.error = error
        self.calls: list[int] = []

    async def fetch_items(self, account: AccountRecord) -> Sequence[MarketplaceItem]:
        self.calls.append(account.id)
        if self.error is not None:
            raise self.error
        return self.items


class FakeTester:
    """Accepts every account."""

    async def test_account(self, account: AccountRecord) -> AccountTestResult:
        return AccountTestResult(ok=True, message=f"{account.name} answers", details={"site": "ok"})


@pytest.fixture
async def setup(
    client: httpx.AsyncClient, admin_headers: dict[str, str], product: str
) -> dict[str, int]:
    """An account with one listing, for the routes' path ids."""
    account = await create_account(client, admin_headers)
    listing = await client.post(
        f"/api/accounts/{account['id']}/listings",
        json={"sku": product, "wix_product_id": "p-1", "wix_variant_id": "v-1"},
        headers=admin_headers,
    )
    assert listing.status_code == 201, listing.text
    return {"account": account["id"], "listing": listing.json()["id"]}


@pytest.fixture
async def connectors(client: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    """Fake Wix connectors on the app for one test (tests only: production has none built in)."""
    source = FakeSource([MarketplaceItem(sku="SKU-1", product_id="p-9", variant_id="v-9")])
    app = app_of(client)
    saved = app.state.get(CONNECTORS_STATE_KEY)
    app.state[CONNECTORS_STATE_KEY] = MarketplaceConnectors(
        item_sources={"wix": source}, testers={"wix": FakeTester()}
    )
    try:
        yield {"source": source}
    finally:
        app.state[CONNECTORS_STATE_KEY] = saved


def _path(template: str, ids: dict[str, int]) -> str:
    return template.format(**ids)


async def _rows() -> dict[str, int]:
    from server.domain.db import fetch_one

    counts = {}
    for table in ("marketplace_account", "listing", "account_warehouse"):
        row = await fetch_one(f"SELECT count(*)::int AS n FROM {table}")
        assert row is not None
        counts[table] = row["n"]
    return counts


@pytest.mark.parametrize(("method", "path", "body", "status"), WRITE_ROUTES)
async def test_anonymous_writes_are_401_json(
    client: httpx.AsyncClient,
    setup: dict[str, int],
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
) -> None:
    before = await _rows()
    response = await client.request(method, _path(path, setup), json=body)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await _rows() == before


@pytest.mark.parametrize(("method", "path", "body", "status"), WRITE_ROUTES)
async def test_viewer_writes_are_403_json(
    client: httpx.AsyncClient,
    setup: dict[str, int],
    viewer_headers: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
) -> None:
    before = await _rows()
    response = await client.request(method, _path(path, setup), json=body, headers=viewer_headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await _rows() == before


@pytest.mark.parametrize(("method", "path", "body", "status"), WRITE_ROUTES)
async def test_admin_writes_succeed(
    client: httpx.AsyncClient,
    setup: dict[str, int],
    admin_headers: dict[str, str],
    connectors: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
) -> None:
    response = await client.request(method, _path(path, setup), json=body, headers=admin_headers)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("path", READ_ROUTES)
async def test_reads_need_a_user_and_allow_viewers(
    client: httpx.AsyncClient, setup: dict[str, int], viewer_headers: dict[str, str], path: str
) -> None:
    assert (await client.get(_path(path, setup))).status_code == 401
    assert (await client.get(_path(path, setup), headers=viewer_headers)).status_code == 200


@pytest.mark.parametrize("action", ["test", "automap"])
async def test_without_a_client_the_answer_is_503(
    no_connectors: None,
    client: httpx.AsyncClient,
    setup: dict[str, int],
    admin_headers: dict[str, str],
    action: str,
) -> None:
    response = await client.post(
        f"/api/accounts/{setup['account']}/{action}", headers=admin_headers
    )
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "marketplace_not_configured"
    assert "marketplace client not configured" in body["detail"]


async def test_automap_and_test_through_configured_connectors(
    client: httpx.AsyncClient,
    setup: dict[str, int],
    admin_headers: dict[str, str],
    connectors: dict[str, Any],
) -> None:
    await add_products(["SKU-2", "SKU-3"])
    connectors["source"].items = [
        MarketplaceItem(sku="SKU-2", product_id="p-2", variant_id="v-2"),
        MarketplaceItem(sku="SKU-3", product_id="p-3", variant_id="v-3"),
        MarketplaceItem(sku="SKU-3", product_id="p-4", variant_id="v-4"),
        MarketplaceItem(sku="NOT-HERE", product_id="p-5", variant_id="v-5"),
    ]
    path = f"/api/accounts/{setup['account']}"
    result = await client.post(f"{path}/automap", headers=admin_headers)
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["wix_products_count"] == 4
    assert body["local_products_count"] == 3
    assert body["created_mappings"] == 1
    assert body["duplicate_skus"] == ["SKU-3"]
    assert connectors["source"].calls == [setup["account"]]
    listings = (await client.get(f"{path}/listings", headers=admin_headers)).json()
    assert sorted(item["sku"] for item in listings["items"]) == ["SKU-1", "SKU-2"]

    tested = await client.post(f"{path}/test", headers=admin_headers)
    assert tested.json() == {"ok": True, "message": "Main shop answers", "details": {"site": "ok"}}


async def test_a_failing_marketplace_is_a_502(
    client: httpx.AsyncClient,
    setup: dict[str, int],
    admin_headers: dict[str, str],
    connectors: dict[str, Any],
) -> None:
    connectors["source"].error = RuntimeError("upstream said 500")
    before = await _rows()
    response = await client.post(f"/api/accounts/{setup['account']}/automap", headers=admin_headers)
    assert response.status_code == 502
    assert response.json()["code"] == "marketplace_error"
    assert "upstream said 500" in response.json()["detail"]
    assert await _rows() == before


async def test_an_allegro_account_needs_its_own_client(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    warehouses: list[str],
    connectors: dict[str, Any],
) -> None:
    from tests.integration.accounts_helpers import ALLEGRO_CREDENTIALS

    account = await create_account(
        client, admin_headers, marketplace="allegro", name="Seller", credentials=ALLEGRO_CREDENTIALS
    )
    response = await client.post(f"/api/accounts/{account['id']}/automap", headers=admin_headers)
    assert response.status_code == 503
    assert response.json()["detail"] == "marketplace client not configured for allegro"
