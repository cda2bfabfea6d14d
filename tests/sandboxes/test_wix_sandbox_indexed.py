"""Indexed and cached Wix sandbox queries answer exactly what a full pass over the catalogue does.

An `$or` around the same condition is never answered from the index, so it is the reference.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from server.sandboxes.common import SandboxTransport
from server.sandboxes.wix import create_wix_sandbox
from tests.marketplaces.test_wix_harness import SITE_V1, SITE_V3, config, headers

V1_QUERY = "/stores/v2/inventoryItems/query"
V3_QUERY = "/stores/v3/inventory-items/query"
SORT = json.dumps([{"numericId": "asc"}])


def _client() -> httpx.AsyncClient:
    app = create_wix_sandbox(config(generate=40))
    return httpx.AsyncClient(transport=SandboxTransport(app), base_url="https://www.wixapis.com")


async def _v1(client: httpx.AsyncClient, where: dict[str, Any] | None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"sort": SORT, "paging": {"limit": 100}}
    if where is not None:
        query["filter"] = json.dumps(where)
    answer = await client.post(V1_QUERY, headers=headers(SITE_V1), json={"query": query})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["inventoryItems"]
    return items


async def _v3(client: httpx.AsyncClient, where: dict[str, Any]) -> list[dict[str, Any]]:
    body = {"query": {"filter": where, "cursorPaging": {"limit": 1000}}}
    answer = await client.post(V3_QUERY, headers=headers(SITE_V3), json=body)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["inventoryItems"]
    return items


async def test_v1_id_filters_match_a_full_pass() -> None:
    async with _client() as client:
        every = await _v1(client, None)
        products = [i["productId"] for i in every]
        wanted = [products[30], products[2], products[17], "no-such-product", products[2]]
        conditions: list[dict[str, Any]] = [
            {"productId": {"$hasSome": wanted}},
            {"externalId": {"$in": wanted}},
            {"id": every[5]["id"]},
            {"$and": [{"productId": {"$hasSome": wanted}}, {"trackQuantity": True}]},
        ]
        for condition in conditions:
            indexed = await _v1(client, condition)
            reference = await _v1(client, {"$or": [condition]})
            assert indexed == reference and indexed, condition
            numeric = [int(i["numericId"]) for i in indexed]
            assert numeric == sorted(numeric)


async def test_v1_cached_crawl_shows_stock_written_after_it() -> None:
    async with _client() as client:
        first = (await _v1(client, None))[0]
        variant = first["variants"][0]
        change = {"productId": first["productId"], "variantId": variant["variantId"]}
        answer = await client.post(
            "/stores/v2/inventoryItems/increment",
            headers=headers(SITE_V1),
            json={"incrementData": [{**change, "incrementBy": 5}]},
        )
        assert answer.status_code == 200, answer.text
        again = (await _v1(client, None))[0]
    assert again["id"] == first["id"]
    assert again["variants"][0]["quantity"] == variant["quantity"] + 5
    assert again["lastUpdated"] >= first["lastUpdated"]


async def test_v3_id_filters_match_a_full_pass() -> None:
    async with _client() as client:
        every = await _v3(client, {})
        several = [i["productId"] for i in every if i.get("product", {}).get("variantSku")]
        items = [every[3]["id"], every[0]["id"], "unknown-item"]
        conditions: list[dict[str, Any]] = [
            {"productId": {"$in": several[:7]}},
            {"id": {"$in": items}},
            {"id": {"$eq": every[9]["id"]}},
        ]
        for condition in conditions:
            indexed = await _v3(client, condition)
            reference = await _v3(client, {"$or": [condition]})
            assert indexed == reference and indexed, condition


async def test_crawls_over_stable_fields_match_crawls_over_rendered_items() -> None:
    always = {"trackQuantity": {"$exists": True}}  # not a stable field: renders every item
    async with _client() as client:
        crawl = await _v1(client, {"numericId": {"$gt": "0"}})
        rendered = await _v1(client, {"$and": [{"numericId": {"$gt": "0"}}, always]})
        assert crawl == rendered and len(crawl) > 40
        for where in ({}, {"productId": {"$exists": True}}):
            light = await _v3(client, where)
            full = await _v3(client, {"$and": [where, always]} if where else always)
            assert light == full and len(light) > 40
