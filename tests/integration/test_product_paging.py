"""Keyset paging of `GET /api/products`: `after`/`before` cursors, `offset` kept, bad input.

Walking with `after` must neither repeat nor miss a product that exists throughout, even when
products are created between two page reads; the stock totals of a page must be computed for
its rows only (the plan is checked on a deep page).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from server.domain.db import fetch
from server.domain.product_search import page_sql
from tests.integration.accounts_helpers import add_products
from tests.integration.paging_helpers import API
from tests.integration.paging_helpers import product_page as _page


def _skus(page: dict[str, Any]) -> list[str]:
    return [item["sku"] for item in page["items"]]


async def _create(client: httpx.AsyncClient, headers: dict[str, str], sku: str) -> None:
    body = {"sku": sku, "name": f"Thing {sku}"}
    assert (await client.post(API, json=body, headers=headers)).status_code == 201


async def test_walking_with_after_sees_every_product_once_while_one_is_created(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products([f"K-{n:02d}" for n in range(1, 11)])
    seen: list[str] = []
    page = await _page(client, admin_headers, limit=3)
    assert page["next_after"] == "K-03" and page["prev_before"] is None
    while True:
        seen += _skus(page)
        if len(seen) == 3:
            # Between two reads: one product sorts before the cursor, one after it.
            await _create(client, admin_headers, "K-01a")
            await _create(client, admin_headers, "K-07a")
        if page["next_after"] is None:
            break
        page = await _page(client, admin_headers, limit=3, after=page["next_after"])
    originals = [f"K-{n:02d}" for n in range(1, 11)]
    assert [sku for sku in seen if sku in originals] == originals
    assert len(seen) == len(set(seen)), "no product twice"
    assert "K-07a" in seen and "K-01a" not in seen
    assert seen == sorted(seen)
    assert page["total"] == 12 and page["after"] == "K-08" and page["offset"] == 0


async def test_before_goes_back_and_lands_on_a_full_first_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products([f"B-{n:02d}" for n in range(1, 9)])
    third = await _page(client, admin_headers, limit=3, after="B-06")
    assert _skus(third) == ["B-07", "B-08"] and third["next_after"] is None
    second = await _page(client, admin_headers, limit=3, before=third["prev_before"])
    assert _skus(second) == ["B-04", "B-05", "B-06"]
    assert second["before"] == "B-07" and second["next_after"] == "B-06"
    first = await _page(client, admin_headers, limit=3, before=second["prev_before"])
    assert _skus(first) == ["B-01", "B-02", "B-03"] and first["prev_before"] is None
    short = await _page(client, admin_headers, limit=3, before="B-03")
    assert _skus(short) == ["B-01", "B-02", "B-03"], "a short way back is the first page"
    assert short["before"] is None and short["prev_before"] is None


async def test_after_beyond_the_end_is_an_empty_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products(["E-1", "E-2"])
    page = await _page(client, admin_headers, after="ZZZ")
    assert page["items"] == [] and page["next_after"] is None and page["prev_before"] is None
    assert page["total"] == 2
    last = await _page(client, admin_headers, after="E-2")
    assert last["items"] == [] and last["next_after"] is None


async def test_offset_still_pages_and_hands_over_to_keyset(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products([f"O-{n}" for n in range(1, 8)])
    page = await _page(client, admin_headers, limit=3, offset=3)
    assert _skus(page) == ["O-4", "O-5", "O-6"] and page["offset"] == 3
    assert page["next_after"] == "O-6" and page["prev_before"] == "O-4"
    rest = await _page(client, admin_headers, limit=3, after=page["next_after"])
    assert _skus(rest) == ["O-7"]
    beyond = await _page(client, admin_headers, offset=50)
    assert beyond["items"] == [] and beyond["total"] == 7


async def test_filters_combine_with_each_other_and_with_the_cursor(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products([f"F-{n}" for n in range(1, 10)] + ["G-1", "G-2"])
    await fetch("UPDATE product SET is_sync_enabled = false WHERE sku IN ('F-2', 'F-5', 'G-1')")
    await fetch("UPDATE product SET name = 'Red lamp' WHERE sku IN ('F-3', 'F-4', 'F-6', 'G-2')")
    base = {"q": "f-", "sync_enabled": "true", "limit": 2}
    first = await _page(client, admin_headers, **base)
    assert _skus(first) == ["F-1", "F-3"] and first["total"] == 7
    second = await _page(client, admin_headers, **base, after=first["next_after"])
    assert _skus(second) == ["F-4", "F-6"] and second["total"] == 7
    red = await _page(client, admin_headers, q="red", sync_enabled="true", after="F-3")
    assert _skus(red) == ["F-4", "F-6", "G-2"] and red["total"] == 4
    off = await _page(client, admin_headers, sync_enabled="false", before="G-1")
    assert _skus(off) == ["F-2", "F-5", "G-1"], "a short way back is the filtered first page"
    one = await _page(client, admin_headers, sku="F-5", after="F-4")
    assert _skus(one) == ["F-5"] and one["total"] == 1
    assert (await _page(client, admin_headers, sku="F-5", after="F-5"))["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("after=", "after"),
        ("after=bad%20sku", "after"),
        ("after=-leading-dash", "after"),
        ("after=%25", "after"),
        ("after=" + "A" * 65, "after"),
        ("before=a'b", "before"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("after=A-1&before=B-1", "before"),
        ("after=A-1&offset=5", "offset"),
        ("before=A-1&offset=5", "offset"),
    ],
)
async def test_bad_paging_is_400_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], query: str, field: str
) -> None:
    response = await client.get(f"{API}?{query}", headers=admin_headers)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid_request"
    assert body["field"] == field, body


async def test_openapi_documents_the_cursors(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"][API]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    for name in ("after", "before"):
        assert params[name]["schema"]["pattern"].startswith("^[A-Za-z0-9]")
        assert params[name]["description"]
    assert "offset" in params and "400" in operation["responses"]
    page = schema["components"]["schemas"]["ProductPage"]["properties"]
    for name in ("next_after", "prev_before", "total_is_estimate", "total_is_capped"):
        assert page[name].get("description"), name


def _loops_over(plan: dict[str, Any], relation: str) -> int:
    """The most times any node reading `relation` ran in an EXPLAIN ANALYZE plan."""
    own = plan.get("Actual Loops", 0) if plan.get("Relation Name") == relation else 0
    below = [_loops_over(child, relation) for child in plan.get("Plans", [])]
    return max([own, *below])


async def test_a_deep_page_reads_stock_for_its_own_rows_only(
    client: httpx.AsyncClient, warehouses: list[str]
) -> None:
    await add_products([f"D-{n:05d}" for n in range(1, 3001)])
    await fetch(
        "INSERT INTO stock (product, warehouse, quantity, reserved, updated_at) "
        "SELECT sku, (SELECT id FROM warehouse WHERE code = 'A'), 5, 1, now() FROM product"
    )
    await fetch("ANALYZE product")
    await fetch("ANALYZE stock")
    rows = await fetch("EXPLAIN (ANALYZE, FORMAT JSON) " + page_sql([]), 51, 2500)
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert _loops_over(plan[0]["Plan"], "stock") <= 51, "stock read for skipped rows"
    deep = await fetch(page_sql([]), 3, 2500)
    assert [row["sku"] for row in deep] == ["D-02501", "D-02502", "D-02503"]
    assert deep[0]["total_quantity"] == 5 and deep[0]["total_available"] == 4
