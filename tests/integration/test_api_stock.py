"""The JSON API's stock, product and history routes, and its error answers."""

from __future__ import annotations

import asyncio

import httpx
import pytest


async def _receive(client: httpx.AsyncClient, headers: dict[str, str], quantity: int) -> None:
    response = await client.post(
        "/api/stock/receipts",
        json={"sku": "SKU-1", "warehouse": "A", "quantity": quantity},
        headers=headers,
    )
    assert response.status_code == 201, response.text


async def test_stock_round_trip(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _receive(client, admin_headers, 12)
    sale = await client.post(
        "/api/stock/sales",
        json={"sku": "SKU-1", "warehouse": "A", "quantity": 2, "idempotency_key": "o-1"},
        headers=admin_headers,
    )
    assert sale.status_code == 201 and sale.json()["quantity_after"] == 10
    replay = await client.post(
        "/api/stock/sales",
        json={"sku": "SKU-1", "warehouse": "A", "quantity": 2, "idempotency_key": "o-1"},
        headers=admin_headers,
    )
    assert replay.json()["replayed"] is True and replay.json()["sale_id"] == sale.json()["sale_id"]
    stock = (await client.get("/api/products/SKU-1/stock", headers=admin_headers)).json()
    assert {line["warehouse"]: line["quantity"] for line in stock} == {"A": 10, "B": 0}
    product_body = (await client.get("/api/products/SKU-1", headers=admin_headers)).json()
    assert product_body["total_quantity"] == 10


async def test_concurrent_api_sales(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _receive(client, admin_headers, 20)
    body = {"sku": "SKU-1", "warehouse": "A", "quantity": 1}
    responses = await asyncio.gather(
        *(client.post("/api/stock/sales", json=body, headers=admin_headers) for _ in range(50))
    )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 20 and codes.count(409) == 30
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["code"] == "insufficient_stock" and refused["field"] == "quantity"


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/api/stock/receipts", {"sku": "SKU-1", "warehouse": "A", "quantity": 0}, 400, "quantity"),
        (
            "/api/stock/receipts",
            {"sku": "SKU-1", "warehouse": "A", "quantity": "x"},
            400,
            "quantity",
        ),
        ("/api/stock/receipts", {"sku": "SKU-1", "warehouse": "A"}, 400, "quantity"),
        (
            "/api/stock/receipts",
            {"sku": "SKU-1", "warehouse": "A", "quantity": 1, "x": 1},
            400,
            "x",
        ),
        ("/api/stock/receipts", {"sku": "NOPE", "warehouse": "A", "quantity": 1}, 404, "sku"),
        (
            "/api/stock/receipts",
            {"sku": "SKU-1", "warehouse": "Z", "quantity": 1},
            404,
            "warehouse",
        ),
        ("/api/stock/sales", {"sku": "SKU-1", "warehouse": "A", "quantity": 999}, 409, "quantity"),
        (
            "/api/stock/transfers",
            {"sku": "SKU-1", "from_warehouse": "A", "to_warehouse": "A", "quantity": 1},
            422,
            "to_warehouse",
        ),
        (
            "/api/stock/adjustments",
            {"sku": "SKU-1", "warehouse": "A", "quantity": 1, "reason": ""},
            400,
            "reason",
        ),
        ("/api/products", {"sku": "bad sku!", "name": "X"}, 422, "sku"),
        ("/api/products", {"sku": "SKU-1", "name": "Dup"}, 409, "sku"),
        ("/api/products", {"sku": "E-1", "name": "X", "ean": "5901234123458"}, 422, "ean"),
        ("/api/products", {"sku": "E-1", "name": "   "}, 422, "name"),
        ("/api/warehouses", {"code": "A", "name": "Again"}, 409, "code"),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(
    client: httpx.AsyncClient,
    product: str,
    admin_headers: dict[str, str],
    path: str,
    body: dict[str, object],
    status: int,
    field: str,
) -> None:
    await _receive(client, admin_headers, 3)
    before = (await client.get("/api/operations", headers=admin_headers)).json()["items"]
    response = await client.post(path, json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["status"] == status
    assert answer["field"] == field, answer
    assert answer["detail"]
    after = (await client.get("/api/operations", headers=admin_headers)).json()["items"]
    assert after == before


async def test_malformed_json_is_400(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/stock/receipts",
        content=b"{not json",
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


async def test_product_search_paging_and_filters(
    client: httpx.AsyncClient, warehouses: list[str], admin_headers: dict[str, str]
) -> None:
    for i in range(7):
        body = {"sku": f"P-{i}", "name": f"Thing {i}", "is_sync_enabled": i % 2 == 0}
        assert (
            await client.post("/api/products", json=body, headers=admin_headers)
        ).status_code == 201
    page = (await client.get("/api/products?limit=3&offset=3", headers=admin_headers)).json()
    assert page["total"] == 7 and [p["sku"] for p in page["items"]] == ["P-3", "P-4", "P-5"]
    found = (await client.get("/api/products?q=thing 6", headers=admin_headers)).json()
    assert [p["sku"] for p in found["items"]] == ["P-6"]
    synced = (await client.get("/api/products?sync_enabled=false", headers=admin_headers)).json()
    assert synced["total"] == 3
    too_many = await client.get("/api/products?limit=101", headers=admin_headers)
    assert too_many.status_code == 400 and too_many.json()["field"] == "limit"
    wildcard = (await client.get("/api/products?q=%25", headers=admin_headers)).json()
    assert wildcard["total"] == 0


async def test_operations_keyset_paging(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    for quantity in range(1, 6):
        await _receive(client, admin_headers, quantity)
    first = (await client.get("/api/operations?limit=2&type=RECEIPT", headers=admin_headers)).json()
    assert [op["quantity_delta"] for op in first["items"]] == [5, 4]
    second = (
        await client.get(
            f"/api/operations?limit=2&type=RECEIPT&before={first['next_before']}",
            headers=admin_headers,
        )
    ).json()
    assert [op["quantity_delta"] for op in second["items"]] == [3, 2]
    bad_type = await client.get("/api/operations?type=NOPE", headers=admin_headers)
    assert bad_type.status_code == 400 and bad_type.json()["field"] == "type"


async def test_delete_product_cascades(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _receive(client, admin_headers, 3)
    assert (await client.delete("/api/products/SKU-1", headers=admin_headers)).status_code == 204
    assert (await client.get("/api/products/SKU-1", headers=admin_headers)).status_code == 404
    history = (await client.get("/api/operations?sku=SKU-1", headers=admin_headers)).json()
    assert history["items"][0]["type"] == "PRODUCT_DELETE"


async def test_health_openapi_and_metrics(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/stock/sales" in schema["paths"]
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and "stockbridge_requests_total" in metrics.text
