"""Editing products through the API: validation, SKU renames that keep every link, the audit row."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from server.domain import ledger
from server.domain.db import fetch, fetch_one
from server.domain.orders import OrderPhase, apply_order
from server.sync.dirty import DIRTY_KEY
from tests.integration.accounts_helpers import app_of
from tests.integration.orders_helpers import snapshot
from tests.orders.helpers import ACTOR, allegro_account, stocked_offer


async def _patch(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], sku: str = "SKU-1"
) -> httpx.Response:
    return await client.patch(f"/api/products/{sku}", json=body, headers=headers)


async def _edits() -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT sku, old_values, new_values, user_email, created_at FROM operation "
        "WHERE type = 'PRODUCT_EDIT' ORDER BY id"
    )
    for row in rows:
        row["old_values"] = json.loads(row["old_values"])
        row["new_values"] = json.loads(row["new_values"])
    return rows


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("name", "Red widget", "   "),
        ("name", "x" * 255, "x" * 256),
        ("sku", "SKU-2.b_c", "has space"),
        ("sku", "A" * 64, "-leading"),
        ("ean", "5901234123457", "5901234123458"),
        ("ean", "96385074", "96385075"),
        ("ean", "036000291452", "036000291453"),
        ("ean", "", "12345"),
        ("description", "line one\nline two", "x" * 20_001),
        ("attributes", {"colour": "red", "size": 3}, ["not", "an", "object"]),
        ("attributes", {"k": "v"}, {"k": {"nested": 1}}),
        ("is_sync_enabled", False, "maybe"),
    ],
)
async def test_each_rule_takes_a_good_value_and_names_the_field_of_a_bad_one(
    client: httpx.AsyncClient,
    product: str,
    admin_headers: dict[str, str],
    field: str,
    good: Any,
    bad: Any,
) -> None:
    refused = await _patch(client, admin_headers, {field: bad})
    assert refused.status_code in (400, 422), refused.text
    assert refused.json()["field"] == field
    accepted = await _patch(client, admin_headers, {field: good})
    assert accepted.status_code == 200, accepted.text
    expected = None if field == "ean" and good == "" else good
    assert accepted.json()[field] == expected


async def test_text_loses_control_characters(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    body = {"name": "  Red\x00 \u200bwidget\x07 ", "description": "a\x1b[31m\nb"}
    response = await _patch(client, admin_headers, body)
    assert response.json()["name"] == "Red widget"
    assert response.json()["description"] == "a[31m\nb"


async def test_sku_taken_is_409_naming_the_product(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/products", json={"sku": "SKU-2", "name": "Green gadget"}, headers=admin_headers
    )
    assert created.status_code == 201
    response = await _patch(client, admin_headers, {"sku": "SKU-2"})
    assert response.status_code == 409
    assert response.json()["field"] == "sku"
    assert "Green gadget" in response.json()["detail"]


async def test_audit_row_holds_only_the_changed_fields(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    body = {"name": "Blue widget", "ean": "5901234123457", "description": ""}
    response = await _patch(client, admin_headers, body)
    assert response.status_code == 200
    [edit] = await _edits()
    assert edit["old_values"] == {"ean": None}
    assert edit["new_values"] == {"ean": "5901234123457"}
    assert edit["created_at"] is not None
    assert edit["user_email"] == "admin@example.com"
    again = await _patch(client, admin_headers, body)
    assert again.status_code == 200 and len(await _edits()) == 1


async def test_put_requires_sku_and_name_and_resets_the_rest(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _patch(client, admin_headers, {"description": "old text", "is_sync_enabled": False})
    missing = await client.put("/api/products/SKU-1", json={"sku": "SKU-1"}, headers=admin_headers)
    assert missing.status_code == 400 and missing.json()["field"] == "name"
    full = await client.put(
        "/api/products/SKU-1", json={"sku": "SKU-1", "name": "Plain"}, headers=admin_headers
    )
    assert full.status_code == 200
    assert (full.json()["description"], full.json()["is_sync_enabled"]) == ("", True)
    last = (await _edits())[-1]
    assert last["old_values"] == {
        "name": "Blue widget",
        "description": "old text",
        "is_sync_enabled": False,
    }


async def test_rename_keeps_stock_sales_transfers_listings_and_order_lines(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    account = await allegro_account(("A",))
    await stocked_offer(account, "SKU-1", "111", {"A": 10})
    await apply_order(account, snapshot("form-1", OrderPhase.READY, "111", qty=2))
    await ledger.sell("SKU-1", "A", 1, actor=ACTOR)
    await ledger.transfer("SKU-1", "A", "B", 3, actor=ACTOR)
    redis = app_of(client).state.redis
    await redis.delete(DIRTY_KEY)

    response = await _patch(client, admin_headers, {"sku": "SKU-9"})
    assert response.status_code == 200, response.text
    assert response.json()["total_quantity"] == 7

    for table, column in (("stock", "product"), ("sale", "product"), ("transfer", "product")):
        rows = await fetch(f"SELECT DISTINCT {column} AS sku FROM {table}")
        assert [r["sku"] for r in rows] == ["SKU-9"], table
    listing = await fetch_one("SELECT product FROM listing")
    assert listing == {"product": "SKU-9"}
    line = await fetch_one("SELECT sku, status FROM order_line")
    assert line == {"sku": "SKU-9", "status": "DEDUCTED"}
    assert await fetch("SELECT id FROM operation WHERE sku = 'SKU-1'") == []
    assert await fetch_one("SELECT id FROM product WHERE sku = 'SKU-1'") is None
    assert await redis.zscore(DIRTY_KEY, "SKU-9") is not None
    edit = (await _edits())[-1]
    assert edit["sku"] == "SKU-9"


async def test_viewer_gets_403_and_anonymous_401(
    client: httpx.AsyncClient, product: str, viewer_headers: dict[str, str]
) -> None:
    for method in ("PATCH", "PUT"):
        as_viewer = await client.request(
            method, "/api/products/SKU-1", json={"name": "x"}, headers=viewer_headers
        )
        anonymous = await client.request(method, "/api/products/SKU-1", json={"name": "x"})
        assert (as_viewer.status_code, anonymous.status_code) == (403, 401)
    assert (await client.get("/api/products/SKU-1/edit", headers=viewer_headers)).status_code == 403
    assert (
        await client.post("/api/operations/1/revert", headers=viewer_headers)
    ).status_code == 403
    assert (await client.post("/api/operations/1/revert")).status_code == 401


async def test_edit_form_is_prefilled_and_escaped(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _patch(client, admin_headers, {"name": "<script>alert(1)</script>"})
    form = await client.get("/api/products/SKU-1/edit", headers=admin_headers)
    assert form.status_code == 200
    assert form.headers["content-type"].startswith("text/html")
    assert 'value="SKU-1"' in form.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in form.text
    assert "<script>alert" not in form.text


async def test_openapi_documents_both_encodings_of_an_edit(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    path = schema["paths"]["/api/products/{sku}"]
    for method, required in (("put", ["sku", "name"]), ("patch", [])):
        content = path[method]["requestBody"]["content"]
        assert set(content) == {"application/json", "multipart/form-data"}
        assert content["application/json"]["schema"].get("required", []) == required
        assert content["multipart/form-data"]["schema"]["properties"]["image"]["format"] == "binary"
    assert "post" in schema["paths"]["/api/operations/{operation_id}/revert"]
