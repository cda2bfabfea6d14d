"""Listings by hand through the API, and the schema's promises for them checked with raw SQL:
one marketplace item never maps to two products, and SKU renames and deletes cascade."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from server.domain.db import fetch, fetch_one
from tests.integration.accounts_helpers import (
    ALLEGRO_CREDENTIALS,
    add_products,
    create_account,
)

WIX_ITEM = {
    "wix_product_id": "5376f9ec-b92e-efa9-e4a1-f4f480aa0d3a",
    "wix_variant_id": "00000000-0000-0000-0000-000000000000",
}


@pytest.fixture
async def wix(client: httpx.AsyncClient, admin_headers: dict[str, str], product: str) -> int:
    return int((await create_account(client, admin_headers))["id"])


@pytest.fixture
async def allegro(client: httpx.AsyncClient, admin_headers: dict[str, str], product: str) -> int:
    account = await create_account(
        client, admin_headers, marketplace="allegro", name="Seller", credentials=ALLEGRO_CREDENTIALS
    )
    return int(account["id"])


async def _add(
    client: httpx.AsyncClient, headers: dict[str, str], account: int, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"/api/accounts/{account}/listings", json=body, headers=headers)


async def test_map_read_and_list_by_hand(
    client: httpx.AsyncClient, admin_headers: dict[str, str], wix: int, product: str
) -> None:
    created = await _add(
        client, admin_headers, wix, {"sku": product, **WIX_ITEM, "wix_inventory_item_id": "inv-1"}
    )
    assert created.status_code == 201, created.text
    listing = created.json()
    assert listing["sku"] == product and listing["product_name"] == "Blue widget"
    assert listing["wix_inventory_item_id"] == "inv-1" and listing["allegro_offer_id"] is None
    assert listing["active"] is True and listing["last_pushed_quantity"] is None
    one = await client.get(f"/api/accounts/{wix}/listings/{listing['id']}", headers=admin_headers)
    assert one.json() == listing
    account = (await client.get(f"/api/accounts/{wix}", headers=admin_headers)).json()
    assert account["listings_count"] == 1


async def test_listing_pages_and_search(
    client: httpx.AsyncClient, admin_headers: dict[str, str], allegro: int
) -> None:
    await add_products(["AB-1", "AB-2", "CD-3"])
    for number, sku in enumerate(["CD-3", "AB-2", "AB-1"], start=1):
        response = await _add(
            client, admin_headers, allegro, {"sku": sku, "allegro_offer_id": f"1000{number}"}
        )
        assert response.status_code == 201, response.text
    path = f"/api/accounts/{allegro}/listings"
    first = (await client.get(f"{path}?limit=2", headers=admin_headers)).json()
    assert [i["sku"] for i in first["items"]] == ["AB-1", "AB-2"] and first["total"] == 3
    rest = (await client.get(f"{path}?limit=2&offset=2", headers=admin_headers)).json()
    assert [i["sku"] for i in rest["items"]] == ["CD-3"]
    found = (await client.get(f"{path}?q=ab-", headers=admin_headers)).json()
    assert found["total"] == 2
    by_offer = (await client.get(f"{path}?q=10002", headers=admin_headers)).json()
    assert [i["sku"] for i in by_offer["items"]] == ["AB-2"]
    missing = await client.get("/api/accounts/999999/listings", headers=admin_headers)
    assert missing.status_code == 404


LISTING_REFUSALS: list[tuple[str, dict[str, object], int, str]] = [
    ("wix", {"sku": "NO-SUCH", **WIX_ITEM}, 404, "sku"),
    ("wix", {"sku": "bad sku!", **WIX_ITEM}, 422, "sku"),
    ("wix", {"sku": "SKU-1", "wix_product_id": "p-1"}, 422, "wix_variant_id"),
    ("wix", {"sku": "SKU-1", "wix_variant_id": "v-1"}, 422, "wix_product_id"),
    ("wix", {"sku": "SKU-1", **WIX_ITEM, "allegro_offer_id": "123"}, 422, "allegro_offer_id"),
    (
        "wix",
        {"sku": "SKU-1", "wix_product_id": "p 1", "wix_variant_id": "v-1"},
        422,
        "wix_product_id",
    ),
    ("allegro", {"sku": "SKU-1", "allegro_offer_id": "12a"}, 422, "allegro_offer_id"),
    ("allegro", {"sku": "SKU-1", "allegro_offer_id": "1" * 21}, 422, "allegro_offer_id"),
    ("allegro", {"sku": "SKU-1", "allegro_offer_id": "1" * 101}, 400, "allegro_offer_id"),
    ("allegro", {"sku": "SKU-1"}, 422, "allegro_offer_id"),
    (
        "allegro",
        {"sku": "SKU-1", "allegro_offer_id": "1", "wix_product_id": "p"},
        422,
        "wix_product_id",
    ),
    ("allegro", {"sku": "SKU-1", "offer": "1"}, 400, "offer"),
]


@pytest.mark.parametrize(("kind", "body", "status", "field"), LISTING_REFUSALS)
async def test_refusals_name_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    wix: int,
    allegro: int,
    kind: str,
    body: dict[str, object],
    status: int,
    field: str,
) -> None:
    account = wix if kind == "wix" else allegro
    response = await _add(client, admin_headers, account, body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert await fetch_one("SELECT count(*)::int AS n FROM listing") == {"n": 0}


async def test_an_item_is_mapped_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str], wix: int, product: str
) -> None:
    await add_products(["SKU-2"])
    assert (await _add(client, admin_headers, wix, {"sku": product, **WIX_ITEM})).status_code == 201
    again = await _add(client, admin_headers, wix, {"sku": "SKU-2", **WIX_ITEM})
    assert again.status_code == 409
    assert again.json()["field"] == "wix_variant_id"
    assert "SKU-1" in again.json()["detail"]
    other_variant = {**WIX_ITEM, "wix_variant_id": "00000000-0000-0020-0005-a316e6ba5b37"}
    assert (
        await _add(client, admin_headers, wix, {"sku": "SKU-2", **other_variant})
    ).status_code == 201


async def test_the_database_refuses_one_item_for_two_products(wix: int, allegro: int) -> None:
    await add_products(["SKU-2"])
    insert = (
        "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, allegro_offer_id, "
        "active, created_at, updated_at) VALUES ({}, {}, {}, {}, {}, true, now(), now())"
    )
    await fetch(insert, wix, "SKU-1", "p-1", "v-1", None)
    with pytest.raises(asyncpg.UniqueViolationError):
        await fetch(insert, wix, "SKU-2", "p-1", "v-1", None)
    await fetch(insert, allegro, "SKU-1", None, None, "555")
    with pytest.raises(asyncpg.UniqueViolationError):
        await fetch(insert, allegro, "SKU-2", None, None, "555")
    with pytest.raises(asyncpg.CheckViolationError):
        await fetch(insert, allegro, "SKU-2", "p-2", "v-2", "556")
    with pytest.raises(asyncpg.CheckViolationError):
        await fetch(insert, wix, "SKU-2", "p-2", None, None)


async def test_edit_repoints_pauses_and_clears(
    client: httpx.AsyncClient, admin_headers: dict[str, str], wix: int, product: str
) -> None:
    await add_products(["SKU-2"])
    body = {"sku": product, **WIX_ITEM, "wix_inventory_item_id": "inv-1"}
    listing = (await _add(client, admin_headers, wix, body)).json()
    await fetch(
        "UPDATE listing SET last_pushed_quantity = 7, last_seen_quantity = 7, last_sync_at = now()"
    )
    path = f"/api/accounts/{wix}/listings/{listing['id']}"
    paused = (await client.patch(path, json={"active": False}, headers=admin_headers)).json()
    assert paused["active"] is False and paused["last_pushed_quantity"] == 7
    cleared = await client.patch(path, json={"wix_inventory_item_id": None}, headers=admin_headers)
    assert (
        cleared.json()["wix_inventory_item_id"] is None
        and cleared.json()["last_seen_quantity"] == 7
    )
    moved = (await client.patch(path, json={"sku": "SKU-2"}, headers=admin_headers)).json()
    assert moved["sku"] == "SKU-2" and moved["active"] is False
    assert moved["last_pushed_quantity"] is None and moved["last_sync_at"] is None

    other = (
        await _add(
            client,
            admin_headers,
            wix,
            {"sku": product, "wix_product_id": "p-9", "wix_variant_id": "v-9"},
        )
    ).json()
    clash = await client.patch(
        f"/api/accounts/{wix}/listings/{other['id']}", json=WIX_ITEM, headers=admin_headers
    )
    assert clash.status_code == 409
    need = await client.patch(path, json={"wix_variant_id": None}, headers=admin_headers)
    assert need.status_code == 422 and need.json()["field"] == "wix_variant_id"
    unknown = await client.patch(path, json={"sku": "NO-SUCH"}, headers=admin_headers)
    assert unknown.status_code == 404 and unknown.json()["field"] == "sku"


async def test_delete_and_wrong_account(
    client: httpx.AsyncClient, admin_headers: dict[str, str], wix: int, allegro: int, product: str
) -> None:
    listing = (await _add(client, admin_headers, wix, {"sku": product, **WIX_ITEM})).json()
    elsewhere = f"/api/accounts/{allegro}/listings/{listing['id']}"
    assert (await client.get(elsewhere, headers=admin_headers)).status_code == 404
    assert (await client.delete(elsewhere, headers=admin_headers)).status_code == 404
    path = f"/api/accounts/{wix}/listings/{listing['id']}"
    assert (await client.delete(path, headers=admin_headers)).status_code == 204
    assert (await client.get(path, headers=admin_headers)).status_code == 404
    assert (await client.delete(path, headers=admin_headers)).status_code == 404


async def test_sku_rename_and_product_delete_cascade(
    client: httpx.AsyncClient, admin_headers: dict[str, str], wix: int, allegro: int, product: str
) -> None:
    await _add(client, admin_headers, wix, {"sku": product, **WIX_ITEM})
    await _add(client, admin_headers, allegro, {"sku": product, "allegro_offer_id": "16885969603"})
    await fetch("UPDATE product SET sku = 'SKU-RENAMED' WHERE sku = {}", product)
    rows = await fetch("SELECT product FROM listing ORDER BY id")
    assert [r["product"] for r in rows] == ["SKU-RENAMED", "SKU-RENAMED"]
    page = (await client.get(f"/api/accounts/{wix}/listings", headers=admin_headers)).json()
    assert page["items"][0]["sku"] == "SKU-RENAMED"
    await fetch("DELETE FROM product WHERE sku = 'SKU-RENAMED'")
    assert await fetch_one("SELECT count(*)::int AS n FROM listing") == {"n": 0}


async def test_deleting_an_account_takes_its_listings_and_warehouses_stay_guarded(
    client: httpx.AsyncClient, admin_headers: dict[str, str], wix: int, product: str
) -> None:
    await _add(client, admin_headers, wix, {"sku": product, **WIX_ITEM})
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await fetch("DELETE FROM warehouse WHERE code = 'A'")
    await fetch("DELETE FROM marketplace_account WHERE id = {}", wix)
    for table in ("listing", "account_warehouse"):
        assert await fetch_one(f"SELECT count(*)::int AS n FROM {table}") == {"n": 0}


async def test_the_database_checks_accounts() -> None:
    insert = (
        "INSERT INTO marketplace_account (marketplace, name, credentials, active, safety_buffer, "
        "created_at, updated_at, credentials_updated_at) "
        "VALUES ({}, 'x', jsonb_build_object(), true, {}, now(), now(), now())"
    )
    with pytest.raises(asyncpg.CheckViolationError):
        await fetch(insert, "ebay", 0)
    with pytest.raises(asyncpg.CheckViolationError):
        await fetch(insert, "wix", -1)
