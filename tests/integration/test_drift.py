"""Drift: listings whose marketplace quantity (last seen) differs from the sellable quantity."""

from __future__ import annotations

import httpx

from server.domain.accounts import NewAccount, create_account
from server.domain.db import fetch
from server.domain.drift import list_drift
from tests.integration.accounts_helpers import WIX_CREDENTIALS, add_products


async def _setup(warehouses: list[str]) -> dict[str, int]:
    new = NewAccount(
        marketplace="wix",
        name="Shop",
        credentials=WIX_CREDENTIALS,
        source_warehouses=["A"],
        safety_buffer=1,
    )
    account_id = (await create_account(new)).id
    skus = ["D-1", "D-2", "D-3", "D-4"]
    await add_products(skus)
    await fetch(
        "INSERT INTO stock (product, warehouse, quantity, reserved, updated_at) "
        "SELECT s, w.id, 10, 2, now() FROM unnest({}::text[]) AS s, warehouse w "
        "WHERE w.code IN ('A', 'B')",
        skus,
    )
    # Sellable everywhere: 10 - 2 - buffer 1 = 7 (warehouse B is not a source).
    seen = {"D-1": 7, "D-2": 9, "D-3": None, "D-4": 0}
    rows = await fetch(
        "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, active, "
        "last_seen_quantity, created_at, updated_at) SELECT {}, s, 'wp-' || s, 'wv-' || s, "
        "true, q, now(), now() FROM unnest({}::text[], {}::int[]) AS t(s, q) ORDER BY s "
        "RETURNING id, product",
        account_id,
        list(seen),
        list(seen.values()),
    )
    return {row["product"]: int(row["id"]) for row in rows}


async def test_drift_lists_only_listings_out_of_step(warehouses: list[str]) -> None:
    listings = await _setup(warehouses)
    page = await list_drift()
    assert [(row.sku, row.sellable, row.marketplace_quantity) for row in page.items] == [
        ("D-2", 7, 9),
        ("D-4", 7, 0),
    ]
    assert [row.difference for row in page.items] == [2, -7]
    assert page.items[0].account_name == "Shop"
    first = await list_drift(limit=1)
    assert first.next_after == listings["D-2"]
    second = await list_drift(limit=1, after=first.next_after)
    assert [row.sku for row in second.items] == ["D-4"]
    assert second.next_after is None


async def test_sync_off_is_not_drift(warehouses: list[str]) -> None:
    await _setup(warehouses)
    await fetch("UPDATE product SET is_sync_enabled = false WHERE sku = 'D-2'")
    await fetch("UPDATE listing SET active = false WHERE product = 'D-4'")
    assert (await list_drift()).items == []


async def test_drift_api(
    client: httpx.AsyncClient, viewer_headers: dict[str, str], warehouses: list[str]
) -> None:
    await _setup(warehouses)
    response = await client.get("/api/drift?limit=1", headers=viewer_headers)
    assert response.status_code == 200
    body = response.json()
    assert [row["sku"] for row in body["items"]] == ["D-2"]
    assert body["next_after"] is not None
    assert (await client.get("/api/drift")).status_code == 401
