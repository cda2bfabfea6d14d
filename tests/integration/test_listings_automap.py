"""Auto-map by SKU, through the domain function with item lists made in the test: counts, SKUs
found twice, idempotence, and never one marketplace item for two products."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from server.domain.automap import automap, plan_items
from server.domain.connectors import MarketplaceItem
from server.domain.credentials import Marketplace
from server.domain.db import fetch, fetch_one
from server.domain.listings import NewListing, create_listing
from tests.integration.accounts_helpers import ALLEGRO_CREDENTIALS, add_products, create_account


def wix_item(
    sku: str | None, n: int, variant: str = "00000000-0000-0000-0000-000000000000"
) -> MarketplaceItem:
    return MarketplaceItem(
        sku=sku, product_id=f"prod-{n}", variant_id=variant, inventory_item_id=f"inv-{n}"
    )


@pytest.fixture
async def wix(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> int:
    await add_products(["A-1", "A-2", "A-3", "A-4"])
    return int((await create_account(client, admin_headers))["id"])


@pytest.fixture
async def allegro(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> int:
    account = await create_account(
        client, admin_headers, marketplace="allegro", name="Seller", credentials=ALLEGRO_CREDENTIALS
    )
    return int(account["id"])


async def _mapped(account: int) -> dict[tuple[str | None, ...], str]:
    rows = await fetch(
        "SELECT product, wix_product_id, wix_variant_id, allegro_offer_id FROM listing "
        "WHERE account = {} ORDER BY id",
        account,
    )
    return {
        (r["allegro_offer_id"],)
        if r["allegro_offer_id"]
        else (r["wix_product_id"], r["wix_variant_id"]): r["product"]
        for r in rows
    }


async def test_counts_and_what_is_mapped(wix: int) -> None:
    items = [
        wix_item("A-1", 1),
        wix_item("A-2", 2),
        wix_item(" A-3 ", 3),
        wix_item("NOT-LOCAL", 4),
        wix_item(None, 5),
        wix_item("", 6),
    ]
    result = await automap(wix, items)
    assert result.wix_products_count == 6
    assert result.local_products_count == 4
    assert result.created_mappings == 3
    assert (result.unmatched_count, result.without_sku_count, result.already_mapped) == (1, 2, 0)
    assert result.duplicate_skus == [] and result.conflicts == []
    mapped = await _mapped(wix)
    assert mapped == {
        ("prod-1", "00000000-0000-0000-0000-000000000000"): "A-1",
        ("prod-2", "00000000-0000-0000-0000-000000000000"): "A-2",
        ("prod-3", "00000000-0000-0000-0000-000000000000"): "A-3",
    }
    row = await fetch_one("SELECT wix_inventory_item_id, active FROM listing WHERE product = 'A-1'")
    assert row == {"wix_inventory_item_id": "inv-1", "active": True}


async def test_skus_found_twice_are_reported_and_never_mapped(wix: int) -> None:
    items = [
        wix_item("A-1", 1, "v-1"),
        wix_item("A-1", 1, "v-2"),
        wix_item("A-2", 2),
        wix_item("A-2", 3),
        wix_item("A-3", 4),
    ]
    result = await automap(wix, items)
    assert result.duplicate_skus == ["A-1", "A-2"] and result.duplicate_skus_count == 2
    assert result.created_mappings == 1
    assert set((await _mapped(wix)).values()) == {"A-3"}


async def test_running_twice_creates_nothing_new(wix: int) -> None:
    items = [wix_item("A-1", 1), wix_item("A-2", 2), wix_item("A-2", 2)]
    first = await automap(wix, items)
    assert (first.created_mappings, first.wix_products_count) == (2, 2)
    second = await automap(wix, items)
    assert (second.created_mappings, second.already_mapped, second.conflicts_count) == (0, 2, 0)
    assert len(await _mapped(wix)) == 2


async def test_concurrent_runs_map_each_item_once(wix: int) -> None:
    items = [wix_item(sku, n) for n, sku in enumerate(["A-1", "A-2", "A-3", "A-4"])]
    results = await asyncio.gather(*(automap(wix, items) for _ in range(4)))
    assert sum(r.created_mappings for r in results) == 4
    assert len(await _mapped(wix)) == 4


async def test_an_item_never_maps_to_two_products(wix: int) -> None:
    await create_listing(wix, NewListing(sku="A-2", wix_product_id="prod-1", wix_variant_id="v"))
    await create_listing(wix, NewListing(sku="A-3", wix_product_id="prod-7", wix_variant_id="v"))
    items = [
        wix_item("A-1", 1, "v"),  # the marketplace now says A-1 where we mapped A-2
        wix_item("A-3", 3, "v"),  # A-3 is already shown by another item of this account
        wix_item("A-4", 4, "v"),  # the same item twice with two SKUs: ambiguous
        wix_item("A-1-X", 4, "v"),
    ]
    result = await automap(wix, items)
    assert result.created_mappings == 0
    assert result.already_mapped == 1 and result.invalid_items_count == 1
    reasons = {(c.sku, c.item, c.reason) for c in result.conflicts}
    assert reasons == {
        ("A-1", "product prod-1 / variant v", "already mapped to SKU 'A-2'"),
        ("A-3", "product prod-3 / variant v", "SKU already mapped to another item of this account"),
    }
    assert await _mapped(wix) == {("prod-1", "v"): "A-2", ("prod-7", "v"): "A-3"}


async def test_allegro_offers_by_external_id(allegro: int) -> None:
    await add_products(["B-1", "B-2"])
    items = [
        MarketplaceItem(sku="B-1", offer_id="16885969603", product_id="allegro-catalogue-id"),
        MarketplaceItem(sku="B-2", offer_id="16885969604"),
        MarketplaceItem(sku="B-2", offer_id="16885969604"),
        MarketplaceItem(sku="B-3", offer_id="not-digits"),
        MarketplaceItem(sku="B-3"),
    ]
    result = await automap(allegro, items)
    assert (result.wix_products_count, result.created_mappings, result.invalid_items_count) == (
        4,
        2,
        2,
    )
    assert await _mapped(allegro) == {("16885969603",): "B-1", ("16885969604",): "B-2"}


async def test_wix_items_without_ids_are_counted_not_mapped(wix: int) -> None:
    result = await automap(
        wix,
        [MarketplaceItem(sku="A-1", product_id="prod-1"), MarketplaceItem(sku="A-2", offer_id="1")],
    )
    assert (result.invalid_items_count, result.created_mappings) == (2, 0)


async def test_a_large_catalogue_in_one_statement(wix: int) -> None:
    skus = [f"BIG-{n:05d}" for n in range(3000)]
    await add_products(skus)
    items = [wix_item(sku, n) for n, sku in enumerate(skus)]
    result = await automap(wix, items)
    assert (result.created_mappings, result.local_products_count) == (3000, 3004)
    assert (await automap(wix, items)).already_mapped == 3000


def test_the_plan_is_pure_and_reports_in_order() -> None:
    plan = plan_items(
        Marketplace.WIX,
        [wix_item("Z", 1), wix_item("Y", 2), wix_item("Z", 3), wix_item("Y", 4), wix_item("X", 5)],
    )
    assert plan.duplicate_skus == ["Y", "Z"]
    assert [sku for sku, _ in plan.candidates.values()] == ["X"]
    assert plan.seen == 5
