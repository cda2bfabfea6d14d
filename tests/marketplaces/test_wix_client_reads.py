"""The Wix client's reads against the sandbox, for both catalogues: paging, filters, SKUs."""

from __future__ import annotations

import json

import pytest

from server.marketplaces.wix import (
    DEFAULT_VARIANT_ID,
    WixInputError,
    WixInventoryFilter,
    WixProductFilter,
    WixVariantStock,
)
from server.sandboxes.wix import WixContractOptions
from tests.marketplaces.test_wix_harness import (
    clean_database,  # noqa: F401 - fixture
    config,
    wix_env,
)

CATALOGS = pytest.mark.parametrize("catalog", ["V1", "V3"])
V1_INVENTORY = "POST /stores/v2/inventoryItems/query"
V3_INVENTORY = "POST /stores/v3/inventory-items/query"


@CATALOGS
async def test_catalog_version_is_asked_once(catalog: str) -> None:
    async with wix_env() as env:
        client = env.client(catalog)
        first = await client.catalog_version()
        again = await client.catalog_version()
        await client.get_all_inventory_items()
    assert first == again == f"{catalog}_CATALOG"
    assert env.count("GET /stores/v3/provision/version") == 1


async def test_v1_inventory_crawl_reaches_the_last_page_past_the_offset_ceiling() -> None:
    options = WixContractOptions(v1_offset_ceiling=150)
    async with wix_env(config(generate=250, products=[], options=options)) as env:
        items = await env.client("V1").get_all_inventory_items()
    assert len(items) == len({i.id for i in items}) == 250
    assert env.count(V1_INVENTORY, 200) == 4  # 100 + 100 + 50 + the empty page that ends it
    numeric = [i.numeric_id or 0 for i in items]
    assert numeric == sorted(numeric) and all(numeric)


async def test_v3_inventory_crawl_follows_cursors_to_the_last_page() -> None:
    async with wix_env(config(generate=1600, products=[], options=WixContractOptions())) as env:
        stock = await env.client("V3").get_all_stock()
    assert len(stock) == 1600 + 400 * 2
    assert env.count(V3_INVENTORY, 200) == 3
    assert all(row.revision == "1" and row.sku for row in stock)


@CATALOGS
async def test_inventory_filters(catalog: str) -> None:
    async with wix_env() as env:
        client = env.client(catalog)
        everything = await client.get_all_stock()
        by_sku = await client.get_all_stock(WixInventoryFilter(skus=["TS-S", "EBOOK"]))
        hidden = await client.get_all_stock(WixInventoryFilter(visible=False))
        digital = await client.get_all_stock(WixInventoryFilter(product_type="digital"))
        shirt_id = next(
            r.product_id
            for r in everything
            if len({x.variant_id for x in everything if x.product_id == r.product_id}) == 3
        )
        by_product = await client.get_all_stock(WixInventoryFilter(product_ids=[shirt_id]))
        custom = await client.get_all_stock(WixInventoryFilter(custom={"trackQuantity": False}))
        nothing = await client.get_all_stock(WixInventoryFilter(product_ids=[]))
    assert len(everything) == 8
    # V1 items hold a whole product: the SKU filter returns the product's every variant.
    assert len(by_sku) == (4 if catalog == "V1" else 2)
    lamp = env.stock(catalog)["LAMP"][0]
    assert [(r.product_id, r.variant_id) for r in hidden] == [
        (lamp["product_id"], lamp["variant_id"])
    ]
    assert len(digital) == 1 and digital[0].quantity == 9
    assert len(by_product) == 3
    assert len(custom) == 1 and custom[0].track_quantity is False and custom[0].quantity is None
    assert nothing == []


@CATALOGS
async def test_products_with_filters_and_variants(catalog: str) -> None:
    async with wix_env() as env:
        client = env.client(catalog)
        visible = await client.get_all_products(WixProductFilter(visible=True))
        every = await client.get_all_products()
        hidden = await client.get_all_products(WixProductFilter(visible=False))
        digital = await client.get_all_products(WixProductFilter(product_type="digital"))
        by_sku = await client.get_all_products(WixProductFilter(skus=["TS-M"]))
        ids = await client.get_all_products(WixProductFilter(product_ids=[by_sku[0].id]))
    assert len(visible) == 5 and len(every) == 6
    assert [p.name for p in hidden] == ["Hidden lamp"]
    assert [p.name for p in digital] == ["E-book"]
    assert [p.name for p in by_sku] == ["T-shirt"]
    assert by_sku[0].skus == {"TS-S", "TS-M", "TS-L"}
    assert [p.id for p in ids] == [by_sku[0].id]
    mug = next(p for p in every if p.name == "Blue mug")
    assert mug.skus == {"MUG-BLUE"}
    if catalog == "V1":
        assert mug.variants[0].id == DEFAULT_VARIANT_ID and mug.numeric_id
    else:
        assert mug.revision == "1" and mug.product_type == "physical"


async def test_v1_products_custom_filter_is_sent_as_a_string() -> None:
    async with wix_env() as env:
        products = await env.client("V1").get_all_products(
            WixProductFilter(custom={"name": {"$startsWith": "blue"}}, include_variants=False)
        )
    assert sorted(p.name for p in products) == ["Blue mug", "Blue mug (copy)"]
    assert all(p.variants == [] for p in products)


@CATALOGS
async def test_products_by_skus_with_quantities_and_duplicates(catalog: str) -> None:
    async with wix_env() as env:
        rows = await env.client(catalog).products_by_skus(["TS-L", "MUG-BLUE", "MTO", "NOPE"])
    by_sku: dict[str, list[WixVariantStock]] = {}
    for row in rows:
        by_sku.setdefault(row.sku or "", []).append(row)
    assert set(by_sku) == {"TS-L", "MUG-BLUE", "MTO"}
    assert by_sku["TS-L"][0].quantity == 7
    assert sorted(r.quantity or 0 for r in by_sku["MUG-BLUE"]) == [1, 5]  # a SKU found twice
    assert by_sku["MTO"][0].track_quantity is False
    assert all(r.product_id and r.variant_id and r.inventory_item_id for r in rows)
    if catalog == "V1":
        assert by_sku["MUG-BLUE"][0].variant_id == DEFAULT_VARIANT_ID


@CATALOGS
async def test_all_variants_carry_skus_ids_and_stock(catalog: str) -> None:
    async with wix_env() as env:
        rows = await env.client(catalog).get_all_variants()
    assert len(rows) == 8
    skus = sorted(r.sku or "-" for r in rows)
    assert skus == sorted(["MUG-BLUE", "MUG-BLUE", "TS-S", "TS-M", "TS-L", "LAMP", "EBOOK", "MTO"])
    assert all(r.product_id and r.variant_id and r.inventory_item_id for r in rows)


async def test_query_inventory_v1_page() -> None:
    async with wix_env() as env:
        client = env.client("V1")
        page = await client.query_inventory(
            limit=2, offset=1, sort_str=json.dumps([{"numericId": "asc"}])
        )
        first = await client.query_inventory(limit=1, sort_str=json.dumps([{"numericId": "asc"}]))
        by_ids = await client.query_inventory(product_ids=[first.inventory_items[0].product_id])
        untracked = await client.query_inventory(filter_str=json.dumps({"trackQuantity": False}))
    assert page.total_results == 6 and page.paging.items == 2 and page.paging.offset == 1
    assert (page.inventory_items[0].numeric_id or 0) > (first.inventory_items[0].numeric_id or 0)
    assert [i.id for i in by_ids.inventory_items] == [first.inventory_items[0].id]
    assert len(untracked.inventory_items) == 1


async def test_query_inventory_v3_page_converts_the_sort() -> None:
    async with wix_env() as env:
        page = await env.client("V3").query_inventory(
            filter_str=json.dumps({"trackQuantity": True}),
            sort_str=json.dumps([{"quantity": "desc"}]),
            limit=3,
        )
    quantities = [i.quantity for i in page.inventory_items]
    assert quantities == [9, 7, 5]
    assert page.paging.total == 7


@CATALOGS
async def test_query_inventory_input_errors_send_nothing(catalog: str) -> None:
    async with wix_env() as env:
        client = env.client(catalog)
        with pytest.raises(WixInputError):
            await client.query_inventory(limit=0)
        with pytest.raises(WixInputError):
            await client.query_inventory(limit=1001)
        with pytest.raises(WixInputError, match="filter_str"):
            await client.query_inventory(filter_str="{oops")
    assert env.sandbox.control.counters.snapshot()["total"] == 1  # the catalogue version only
