"""Catalog V3 in the Wix sandbox: inventory item queries, revisions, bulk writes, products."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from server.sandboxes.wix import WixContractOptions
from tests.marketplaces.test_wix_harness import (
    SITE_V3,
    clean_database,  # noqa: F401 - fixture
    config,
    headers,
    wix_env,
)

H = headers(SITE_V3)
QUERY = "/stores/v3/inventory-items/query"
SEARCH = "/stores/v3/inventory-items/search"
BULK = "/stores/v3/bulk/inventory-items"


def _r(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


async def _items(raw: httpx.AsyncClient, **filter_: Any) -> list[dict[str, Any]]:
    body = {"query": {"filter": filter_}} if filter_ else {}
    items: list[dict[str, Any]] = (await raw.post(QUERY, headers=H, json=body)).json()[
        "inventoryItems"
    ]
    return items


async def test_query_pages_with_cursors_get_and_post_alike() -> None:
    async with wix_env(config(generate=2300, products=[])) as env:
        first = await env.raw.get(
            QUERY, headers=H, params={".r": _r({"query": {"cursorPaging": {"limit": 1000}}})}
        )
        seen = [i["id"] for i in first.json()["inventoryItems"]]
        cursor = first.json()["pagingMetadata"]["cursors"]["next"]
        pages = 1
        while cursor:
            page = await env.raw.post(
                QUERY,
                headers=H,
                json={"query": {"cursorPaging": {"limit": 1000, "cursor": cursor}}},
            )
            seen += [i["id"] for i in page.json()["inventoryItems"]]
            cursor = page.json()["pagingMetadata"]["cursors"]["next"]
            pages += 1
        too_big = await env.raw.post(
            QUERY, headers=H, json={"query": {"cursorPaging": {"limit": 1001}}}
        )
    meta = first.json()["pagingMetadata"]
    assert meta["count"] == 1000 and "hasNext" not in meta  # Query's typed metadata has none
    assert pages == 4 and len(seen) == len(set(seen)) == 2300 + 575 * 2  # every 4th has 3 variants
    assert too_big.status_code == 400


async def test_cursor_with_filter_is_refused_and_filters_work() -> None:
    async with wix_env() as env:
        first = await env.raw.post(QUERY, headers=H, json={"query": {"cursorPaging": {"limit": 1}}})
        cursor = first.json()["pagingMetadata"]["cursors"]["next"]
        mixed = await env.raw.post(
            QUERY,
            headers=H,
            json={
                "query": {"filter": {"quantity": {"$gt": 1}}, "cursorPaging": {"cursor": cursor}}
            },
        )
        by_sku = await _items(env.raw, **{"product.variantSku": {"$in": ["TS-S", "TS-L"]}})
        unknown = await env.raw.post(QUERY, headers=H, json={"query": {"filter": {"sku": "TS-S"}}})
        untracked = await _items(env.raw, trackQuantity=False)
    assert mixed.status_code == 400
    assert sorted(i["product"]["variantSku"] for i in by_sku) == ["TS-L", "TS-S"]
    assert unknown.status_code == 400
    assert len(untracked) == 1 and "quantity" not in untracked[0] and untracked[0]["inStock"]


async def test_search_defaults_and_has_next() -> None:
    async with wix_env() as env:
        page = await env.raw.post(
            SEARCH, headers=H, json={"search": {"cursorPaging": {"limit": 2}}}
        )
        text = await env.raw.get(
            SEARCH, headers=H, params={".r": _r({"search": {"search": {"expression": "shirt"}}})}
        )
    meta = page.json()["pagingMetadata"]
    assert meta["count"] == 2 and meta["hasNext"] is True
    assert len(text.json()["inventoryItems"]) == 3


async def test_update_item_revision_and_stale_revision_409() -> None:
    async with wix_env() as env:
        item = (await _items(env.raw, **{"product.variantSku": "MTO"}))[0]
        path = f"/stores/v3/inventory-items/{item['id']}"
        body = {"inventoryItem": {"id": item["id"], "revision": item["revision"], "quantity": 4}}
        ok = await env.raw.patch(path, headers=H, json=body)
        stale = await env.raw.patch(path, headers=H, json=body)
        missing = await env.raw.patch(path, headers=H, json={"inventoryItem": {"quantity": 1}})
    assert ok.status_code == 200
    updated = ok.json()["inventoryItem"]
    assert updated["revision"] == str(int(item["revision"]) + 1)
    assert (
        updated["quantity"] == 4 and updated["trackQuantity"] is True
    )  # quantity switches tracking
    assert stale.status_code == 409
    assert stale.json()["details"]["applicationError"]["code"] == "REVISION_MISMATCH"
    assert missing.status_code == 400


async def test_bulk_update_stale_revision_fails_whole_request() -> None:
    async with wix_env() as env:
        items = await _items(env.raw, **{"product.variantSku": {"$in": ["MUG-BLUE", "EBOOK"]}})
        entries = [
            {"inventoryItem": {"id": i["id"], "revision": i["revision"], "quantity": 11}}
            for i in items
        ]
        entries[0]["inventoryItem"]["revision"] = "99"
        refused = await env.raw.post(f"{BULK}/update", headers=H, json={"inventoryItems": entries})
        after = await _items(env.raw, **{"product.variantSku": {"$in": ["MUG-BLUE", "EBOOK"]}})
        entries[0]["inventoryItem"]["revision"] = items[0]["revision"]
        done = await env.raw.post(
            f"{BULK}/update", headers=H, json={"inventoryItems": entries, "returnEntity": True}
        )
        no_revision = await env.raw.post(
            f"{BULK}/update",
            headers=H,
            json={"inventoryItems": [{"inventoryItem": {"id": items[0]["id"], "quantity": 1}}]},
        )
    assert refused.status_code == 409
    assert [i["quantity"] for i in after] == [i["quantity"] for i in items]
    body = done.json()
    assert body["bulkActionMetadata"] == {
        "totalSuccesses": 3,
        "totalFailures": 0,
        "undetailedFailures": 0,
    }
    assert [r["itemMetadata"]["originalIndex"] for r in body["results"]] == [0, 1, 2]
    assert all(r["item"]["quantity"] == 11 for r in body["results"])
    assert no_revision.status_code == 400


async def test_bulk_update_per_item_conflicts_when_configured() -> None:
    options = WixContractOptions(v3_revision_conflict="item")
    async with wix_env(config(options=options)) as env:
        items = await _items(env.raw, **{"product.variantSku": {"$in": ["TS-S", "TS-L"]}})
        entries = [
            {"inventoryItem": {"id": i["id"], "revision": i["revision"], "quantity": 2}}
            for i in items
        ]
        entries[1]["inventoryItem"]["revision"] = "0"
        answer = await env.raw.post(f"{BULK}/update", headers=H, json={"inventoryItems": entries})
    results = answer.json()["results"]
    assert answer.status_code == 200
    assert results[0]["itemMetadata"]["success"] is True
    assert results[1]["itemMetadata"]["error"]["code"] == "REVISION_MISMATCH"
    assert "item" not in results[0]


async def test_bulk_increment_decrement_limits_and_documented_428s() -> None:
    async with wix_env() as env:
        mug = (await _items(env.raw, **{"product.variantSku": "MUG-BLUE"}))[0]
        mto = (await _items(env.raw, **{"product.variantSku": "MTO"}))[0]
        inc = await env.raw.post(
            f"{BULK}/increment",
            headers=H,
            json={
                "incrementData": [{"inventoryItemId": mug["id"], "incrementBy": 5}],
                "returnEntity": True,
            },
        )
        dec = await env.raw.post(
            f"{BULK}/decrement",
            headers=H,
            json={"decrementData": [{"inventoryItemId": mug["id"], "decrementBy": 11}]},
        )
        negative = await env.raw.post(
            f"{BULK}/decrement",
            headers=H,
            json={
                "decrementData": [{"inventoryItemId": mug["id"], "decrementBy": 11}],
                "restrictInventory": False,
            },
        )
        untracked = await env.raw.post(
            f"{BULK}/increment",
            headers=H,
            json={"incrementData": [{"inventoryItemId": mto["id"], "incrementBy": 1}]},
        )
        too_many = await env.raw.post(
            f"{BULK}/increment",
            headers=H,
            json={"incrementData": [{"inventoryItemId": mug["id"], "incrementBy": 1}] * 301},
        )
        by_variant = await env.raw.post(
            f"{BULK}/increment-by-variant-and-location",
            headers=H,
            json={
                "incrementData": [{"variantId": mug["variantId"], "incrementBy": 1}],
                "returnEntity": True,
            },
        )
    assert inc.json()["results"][0]["item"]["quantity"] == 10
    assert dec.status_code == 428
    assert dec.json()["details"]["applicationError"]["code"] == "INSUFFICIENT_INVENTORY"
    assert negative.status_code == 200
    assert untracked.status_code == 428
    assert (
        untracked.json()["details"]["applicationError"]["code"] == "INVENTORY_QUANTITY_NOT_TRACKED"
    )
    assert too_many.status_code == 400
    assert by_variant.json()["results"][0]["item"]["quantity"] == 0  # 10 - 11 + 1


async def test_bulk_failures_per_item_when_configured() -> None:
    async with wix_env(config(options=WixContractOptions(v3_bulk_failures="item"))) as env:
        mug = (await _items(env.raw, **{"product.variantSku": "MUG-BLUE"}))[0]
        answer = await env.raw.post(
            f"{BULK}/decrement",
            headers=H,
            json={
                "decrementData": [
                    {"inventoryItemId": mug["id"], "decrementBy": 99},
                    {"inventoryItemId": mug["id"], "decrementBy": 1},
                ]
            },
        )
    body = answer.json()
    assert answer.status_code == 200
    assert body["bulkActionMetadata"]["totalFailures"] == 1
    assert body["results"][0]["itemMetadata"]["error"]["code"] == "INSUFFICIENT_INVENTORY"


async def test_products_query_and_get_product() -> None:
    async with wix_env() as env:
        visible = await env.raw.post(
            "/stores/v3/products/query", headers=H, json={"query": {"filter": {"visible": True}}}
        )
        product_type = await env.raw.post(
            "/stores/v3/products/query",
            headers=H,
            json={"query": {"filter": {"productType": "DIGITAL"}}},
        )
        products = visible.json()["products"]
        shirt = next(p for p in products if p["name"] == "T-shirt")
        one = await env.raw.get(f"/stores/v3/products/{shirt['id']}", headers=H)
    assert len(products) == 5 and all("variantsInfo" not in p for p in products)
    assert visible.json()["pagingMetadata"]["hasNext"] is False
    assert product_type.status_code == 400  # productType is not filterable in Query Products
    variants = one.json()["product"]["variantsInfo"]["variants"]
    assert [v["sku"] for v in variants] == ["TS-S", "TS-M", "TS-L"]
    assert one.json()["product"]["productType"] == "PHYSICAL"
