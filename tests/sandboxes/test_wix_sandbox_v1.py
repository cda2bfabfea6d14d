"""Catalog V1 in the Wix sandbox: products and inventory queries, paging limits, writes."""

from __future__ import annotations

import base64
import json
from typing import Any

from server.sandboxes.wix import WixContractOptions
from server.sandboxes.wix.state import DEFAULT_VARIANT_ID
from tests.marketplaces.test_wix_harness import (
    SITE_V1,
    WixEnv,
    clean_database,  # noqa: F401 - fixture
    config,
    headers,
    wix_env,
)

H = headers(SITE_V1)
PRODUCTS = "/stores/v1/products/query"
INVENTORY = "/stores/v2/inventoryItems/query"


async def test_query_products_shape_variants_and_hidden_products() -> None:
    async with wix_env() as env:
        plain = await env.raw.post(PRODUCTS, headers=H, json={})
        full = await env.raw.post(
            PRODUCTS, headers=H, json={"includeVariants": True, "includeHiddenProducts": True}
        )
    body = plain.json()
    assert body["metadata"] == {"items": 100, "offset": 0}
    assert body["totalResults"] == 5  # the hidden lamp is left out
    assert all("variants" not in p for p in body["products"])
    products = {p["name"]: p for p in full.json()["products"]}
    assert full.json()["totalResults"] == 6
    mug = products["Blue mug"]
    assert mug["variants"][0]["id"] == DEFAULT_VARIANT_ID
    assert mug["variants"][0]["choices"] == {}
    assert mug["inventoryItemId"] != mug["id"]
    assert isinstance(mug["numericId"], str)
    shirt = products["T-shirt"]
    assert shirt["manageVariants"] is True and shirt["sku"] == ""
    assert [v["variant"]["sku"] for v in shirt["variants"]] == ["TS-S", "TS-M", "TS-L"]
    assert shirt["stock"] == {
        "trackInventory": True,
        "inStock": True,
        "quantity": 10,
        "inventoryStatus": "PARTIALLY_OUT_OF_STOCK",
    }
    assert "stock" not in shirt["variants"][0]  # no official example returns it


async def test_filters_sorting_and_string_operands() -> None:
    async with wix_env() as env:
        by_sku = await env.raw.post(
            PRODUCTS,
            headers=H,
            json={"query": {"filter": json.dumps({"sku": {"$hasSome": ["MUG-BLUE", "EBOOK"]}})}},
        )
        by_type = await env.raw.post(
            PRODUCTS,
            headers=H,
            json={
                "query": {
                    "filter": json.dumps({"productType": "digital"}),
                    "sort": json.dumps([{"name": "desc"}]),
                }
            },
        )
        numeric = [p["numericId"] for p in by_sku.json()["products"]]
        after = await env.raw.post(
            PRODUCTS,
            headers=H,
            json={"query": {"filter": json.dumps({"numericId": {"$gt": [min(numeric)]}})}},
        )
    assert sorted(p["sku"] for p in by_sku.json()["products"]) == ["EBOOK", "MUG-BLUE", "MUG-BLUE"]
    assert [p["name"] for p in by_type.json()["products"]] == ["E-book"]
    assert min(numeric) not in [p["numericId"] for p in after.json()["products"]]


async def test_paging_limits_and_bad_queries_are_400() -> None:
    async with wix_env(config(options=WixContractOptions(v1_offset_ceiling=150))) as env:
        too_big = await env.raw.post(
            PRODUCTS, headers=H, json={"query": {"paging": {"limit": 101}}}
        )
        too_far = await env.raw.post(
            PRODUCTS, headers=H, json={"query": {"paging": {"limit": 100, "offset": 100}}}
        )
        bad_json = await env.raw.post(PRODUCTS, headers=H, json={"query": {"filter": "{sku:"}})
        bad_field = await env.raw.post(
            PRODUCTS, headers=H, json={"query": {"filter": json.dumps({"colour": "red"})}}
        )
        string_limit = await env.raw.post(
            PRODUCTS, headers=H, json={"query": {"paging": {"limit": "2"}}}
        )
    assert too_big.status_code == 400
    violation = too_big.json()["details"]["validationError"]["fieldViolations"][0]
    assert violation["field"] == "query.paging.limit"
    assert violation["data"] == {"threshold": 100}
    assert too_far.status_code == 400
    assert "numericId" in too_far.json()["message"]
    assert bad_json.status_code == 400 and bad_field.status_code == 400
    assert string_limit.status_code == 200 and len(string_limit.json()["products"]) == 2


async def test_platformized_query_as_get_with_r_parameter() -> None:
    request = {
        "query": {"filter": {"sku": {"$in": ["TS-S", "LAMP"]}}, "cursorPaging": {"limit": 1}}
    }
    encoded = base64.urlsafe_b64encode(json.dumps(request).encode()).decode().rstrip("=")
    async with wix_env(
        config(options=WixContractOptions(v1_sku_filter_matches_variants=True))
    ) as env:
        first = await env.raw.get(
            "/stores-reader/v1/products/query-platformized", params={".r": encoded}, headers=H
        )
        cursor = first.json()["metadata"]["cursors"]["next"]
        follow = {"query": {"cursorPaging": {"limit": 1, "cursor": cursor}}}
        second = await env.raw.post(
            "/stores-reader/v1/products/query-platformized", headers=H, json=follow
        )
    assert first.status_code == 200
    assert first.json()["metadata"]["count"] == 1
    assert second.json()["metadata"]["cursors"]["next"] is None
    names = {first.json()["products"][0]["name"], second.json()["products"][0]["name"]}
    assert names == {"T-shirt", "Hidden lamp"}


async def test_inventory_query_both_prefixes_and_get_variants() -> None:
    async with wix_env() as env:
        stores = await env.raw.post(INVENTORY, headers=H, json={"query": {"paging": {"limit": 3}}})
        reader = await env.raw.post(
            "/stores-reader/v2/inventoryItems/query",
            headers=H,
            json={"query": {"paging": {"limit": 3}}},
        )
        shirt = next(
            i
            for i in (await env.raw.post(INVENTORY, headers=H, json={})).json()["inventoryItems"]
            if len(i["variants"]) == 3
        )
        by_product = await env.raw.post(
            f"/stores/v2/inventoryItems/product/{shirt['productId']}/getVariants",
            headers=H,
            json={"variantIds": [shirt["variants"][0]["variantId"]]},
        )
        by_item = await env.raw.post(
            f"/stores-reader/v2/inventoryItems/{shirt['id']}/getVariants", headers=H, json={}
        )
    assert stores.json() == reader.json()
    assert stores.json()["metadata"] == {"items": 3, "offset": 0}
    assert stores.json()["totalResults"] == 6
    assert len(by_product.json()["inventoryItem"]["variants"]) == 1
    assert by_item.json()["inventoryItem"]["id"] == shirt["id"]
    assert by_item.json()["inventoryItem"]["externalId"] == shirt["productId"]


async def _shirt(env: WixEnv) -> dict[str, Any]:
    items: list[dict[str, Any]] = (await env.raw.post(INVENTORY, headers=H, json={})).json()[
        "inventoryItems"
    ]
    return next(i for i in items if len(i["variants"]) == 3)


async def test_update_variants_is_absolute_and_track_quantity_defaults_to_false() -> None:
    async with wix_env() as env:
        shirt = await _shirt(env)
        small = shirt["variants"][0]["variantId"]
        done = await env.raw.patch(
            f"/stores/v2/inventoryItems/product/{shirt['productId']}",
            headers=H,
            json={
                "inventoryItem": {
                    "trackQuantity": True,
                    "variants": [{"variantId": small, "quantity": 42}],
                }
            },
        )
        after = await _shirt(env)
        untracked = await env.raw.patch(
            f"/stores/v2/inventoryItems/{shirt['id']}",
            headers=H,
            json={"inventoryItem": {"variants": [{"variantId": small, "quantity": 1}]}},
        )
        last = await _shirt(env)
    assert done.status_code == 200 and done.json() == {}
    assert [v["quantity"] for v in after["variants"]] == [42, 0, 7]
    assert untracked.status_code == 200
    assert last["trackQuantity"] is False
    assert all("quantity" not in v for v in last["variants"])


async def test_increment_decrement_limits_and_insufficient_stock() -> None:
    async with wix_env() as env:
        shirt = await _shirt(env)
        small = shirt["variants"][0]["variantId"]
        one = {"productId": shirt["productId"], "variantId": small}
        inc = await env.raw.post(
            "/stores/v2/inventoryItems/increment",
            headers=H,
            json={"incrementData": [{**one, "incrementBy": 2}]},
        )
        dec = await env.raw.post(
            "/stores/v2/inventoryItems/decrement",
            headers=H,
            json={
                "decrementData": [
                    {"inventoryId": shirt["id"], "variantId": small, "decrementBy": 1}
                ]
            },
        )
        too_many = await env.raw.post(
            "/stores/v2/inventoryItems/increment",
            headers=H,
            json={"incrementData": [{**one, "incrementBy": 1}] * 301},
        )
        empty = await env.raw.post(
            "/stores/v2/inventoryItems/increment", headers=H, json={"incrementData": []}
        )
        zero = await env.raw.post(
            "/stores/v2/inventoryItems/increment",
            headers=H,
            json={"incrementData": [{**one, "incrementBy": 0}]},
        )
        short = await env.raw.post(
            "/stores/v2/inventoryItems/decrement",
            headers=H,
            json={"decrementData": [{**one, "decrementBy": 1}, {**one, "decrementBy": 99}]},
        )
        final = await _shirt(env)
    assert (inc.status_code, inc.json(), dec.status_code) == (200, {}, 200)
    assert too_many.status_code == empty.status_code == zero.status_code == 400
    assert short.status_code == 428
    assert short.json()["details"]["applicationError"]["code"] == "INSUFFICIENT_INVENTORY"
    assert final["variants"][0]["quantity"] == 4  # 3 + 2 - 1; the refused request changed nothing
