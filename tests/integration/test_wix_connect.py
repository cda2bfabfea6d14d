"""A Wix account through the app's API against the Wix sandbox: test the key, auto-map by SKU.

Both catalogue versions are covered; a wrong key is reported as refused, not as a crash.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from server.connectors.factory import build_connectors
from server.domain.connectors import CONNECTORS_STATE_KEY
from server.domain.db import fetch
from server.domain.products import NewProduct, create_product
from server.domain.refs import Actor
from server.sandboxes.common import SandboxTransport
from server.sandboxes.wix import WixSandboxConfig, WixSiteSeed, create_wix_sandbox
from server.sandboxes.wix.config import CatalogVersion
from server.settings import get_settings
from tests.integration.accounts_helpers import app_of, create_account

KEY = "wix-test-api-key-0001"
SITES: dict[CatalogVersion, str] = {
    "V1_CATALOG": "11111111-1111-4111-8111-111111111111",
    "V3_CATALOG": "33333333-3333-4333-8333-333333333333",
}


@pytest.fixture
async def wix_sandbox(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """A Wix sandbox with one V1 and one V3 site (10 products each) behind the app's connectors."""
    config = WixSandboxConfig(
        sites=[
            WixSiteSeed(site_id=site, api_key=KEY, catalog=catalog, generate=10, sku_prefix="SB-")
            for catalog, site in SITES.items()
        ]
    )
    app = app_of(client)
    saved = app.state.get(CONNECTORS_STATE_KEY)
    app.state[CONNECTORS_STATE_KEY] = build_connectors(
        get_settings(), app.state.redis, wix_transport=SandboxTransport(create_wix_sandbox(config))
    )
    try:
        yield
    finally:
        app.state[CONNECTORS_STATE_KEY] = saved


@pytest.mark.parametrize("catalog", ["V1_CATALOG", "V3_CATALOG"])
async def test_wix_account_test_and_automap(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    warehouses: list[str],
    wix_sandbox: None,
    catalog: CatalogVersion,
) -> None:
    for number in range(1, 9):
        await create_product(NewProduct(sku=f"SB-{number:06d}", name=f"P{number}"), actor=Actor())
    credentials = {"api_key": KEY, "site_id": SITES[catalog], "account_id": "acc-1"}
    account = await create_account(client, admin_headers, credentials=credentials)
    base = f"/api/accounts/{account['id']}"

    tested = (await client.post(f"{base}/test", headers=admin_headers)).json()
    assert tested["ok"] is True, tested
    assert tested["details"]["catalog_version"] == catalog

    mapped = await client.post(f"{base}/automap", headers=admin_headers)
    assert mapped.status_code == 200, mapped.text
    result = mapped.json()
    assert result["wix_products_count"] >= 10
    assert result["local_products_count"] == 8
    assert result["created_mappings"] >= 6
    rows = await fetch("SELECT product, wix_product_id, wix_variant_id FROM listing")
    assert len(rows) == result["created_mappings"]
    assert all(r["wix_product_id"] and r["wix_variant_id"] for r in rows)
    again = (await client.post(f"{base}/automap", headers=admin_headers)).json()
    assert again["created_mappings"] == 0


async def test_wrong_key_is_reported_as_refused(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    warehouses: list[str],
    wix_sandbox: None,
) -> None:
    credentials = {"api_key": "not-the-key-9999", "site_id": SITES["V3_CATALOG"], "account_id": "a"}
    account = await create_account(client, admin_headers, credentials=credentials)
    tested = await client.post(f"/api/accounts/{account['id']}/test", headers=admin_headers)
    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert "refused" in tested.json()["message"]
    assert "not-the-key-9999" not in tested.text
