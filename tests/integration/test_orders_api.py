"""The orders API: filters and paging, one order with its stock moves, who may do what, resolving a
conflict (deducts once) and queueing imports (the arq job is in Redis under its id)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from arq.constants import job_key_prefix

from server.domain.accounts import set_account_active
from server.domain.orders import OrderPhase, apply_order
from server.orders.jobs import IMPORT_ACCOUNT_ORDERS, account_job_id
from tests.integration.accounts_helpers import app_of
from tests.integration.orders_helpers import forget_import_jobs, seed_orders, snapshot
from tests.orders.helpers import allegro_account, operations, quantity, stocked_offer

pytestmark = pytest.mark.usefixtures("warehouses")


@pytest.fixture
async def orders() -> dict[str, int]:
    """Five orders over two accounts (see `seed_orders`)."""
    return await seed_orders()


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], query: str) -> list[str]:
    response = await client.get(f"/api/orders?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["external_id"] for item in response.json()["items"]]


async def test_filters(
    client: httpx.AsyncClient, viewer_headers: dict[str, str], orders: dict[str, int]
) -> None:
    every = await _ids(client, viewer_headers, "")
    assert every == ["wix-1", "cancelled", "open", "conflict", "done"]
    seller = orders["seller"]
    assert await _ids(client, viewer_headers, f"account_id={seller}") == every[1:]
    assert await _ids(client, viewer_headers, "state=CONFLICT") == ["conflict"]
    assert await _ids(client, viewer_headers, "conflicts=true") == ["conflict"]
    assert "conflict" not in await _ids(client, viewer_headers, "conflicts=false")
    assert await _ids(client, viewer_headers, "status=BOUGHT") == ["open"]
    assert await _ids(client, viewer_headers, f"account_id={seller}&state=DONE") == ["done"]
    listed = (await client.get("/api/orders?state=CONFLICT", headers=viewer_headers)).json()
    item = listed["items"][0]
    assert (item["account_name"], item["marketplace"]) == ("Seller", "allegro")
    assert (item["lines_count"], item["conflicts_count"], item["state"]) == (1, 1, "CONFLICT")
    bad = await client.get("/api/orders?state=LOST", headers=viewer_headers)
    assert bad.status_code == 422 and bad.json()["field"] == "state"


async def test_keyset_paging(
    client: httpx.AsyncClient, viewer_headers: dict[str, str], orders: dict[str, int]
) -> None:
    seen: list[str] = []
    query = "limit=2"
    while True:
        page = (await client.get(f"/api/orders?{query}", headers=viewer_headers)).json()
        seen += [item["external_id"] for item in page["items"]]
        if page["next_before"] is None:
            break
        query = f"limit=2&before={page['next_before']}"
    assert seen == ["wix-1", "cancelled", "open", "conflict", "done"]
    too_big = await client.get("/api/orders?limit=500", headers=viewer_headers)
    assert too_big.status_code == 400 and too_big.json()["field"] == "limit"


async def test_one_order_with_lines_and_stock_movements(
    client: httpx.AsyncClient, viewer_headers: dict[str, str], orders: dict[str, int]
) -> None:
    await apply_order(orders["seller"], snapshot("done", OrderPhase.CANCELLED))
    response = await client.get(f"/api/orders/{orders['done']}", headers=viewer_headers)
    assert response.status_code == 200
    order = response.json()
    assert (order["external_id"], order["state"], order["account_id"]) == (
        "done",
        "CANCELLED",
        orders["seller"],
    )
    [line] = order["lines"]
    assert (line["status"], line["sku"], line["warehouse"], line["quantity"]) == (
        "RESTOCKED",
        "SKU-1",
        "A",
        2,
    )
    moves = [
        (m["type"], m["warehouse"], m["delta"], m["quantity_after"]) for m in line["movements"]
    ]
    assert moves == [("ORDER_DEDUCTION", "A", -2, 8), ("ORDER_RESTOCK", "A", 2, 9)]
    conflict = (
        await client.get(f"/api/orders/{orders['conflict']}", headers=viewer_headers)
    ).json()
    assert conflict["lines"][0]["movements"] == []
    assert conflict["lines"][0]["conflict_reason"].startswith("unknown_item")
    missing = await client.get("/api/orders/9999", headers=viewer_headers)
    assert missing.status_code == 404
    assert (missing.json()["code"], missing.json()["field"]) == ("not_found", "order_id")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/orders", None),
        ("GET", "/api/orders/conflicts", None),
        ("GET", "/api/orders/1", None),
        ("POST", "/api/orders/lines/1/resolve", {"sku": "SKU-1"}),
        ("POST", "/api/orders/import", {"scope": "all"}),
    ],
)
async def test_anonymous_is_401(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/orders/lines/1/resolve", {"sku": "SKU-1"}), ("/api/orders/import", {"scope": "all"})],
)
async def test_viewer_may_not_write(
    client: httpx.AsyncClient,
    viewer_headers: dict[str, str],
    orders: dict[str, int],
    path: str,
    body: dict[str, Any],
) -> None:
    response = await client.post(path, json=body, headers=viewer_headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await quantity("SKU-1", "A") == 7


async def _conflict_line(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    page = (await client.get("/api/orders/conflicts", headers=headers)).json()
    assert page["total"] == len(page["items"]) == 1
    line: dict[str, Any] = page["items"][0]
    return line


async def test_resolve_deducts_once_and_a_second_resolve_is_409(
    client: httpx.AsyncClient, admin_headers: dict[str, str], orders: dict[str, int]
) -> None:
    line = await _conflict_line(client, admin_headers)
    assert (line["external_order_id"], line["account_name"], line["offer_id"]) == (
        "conflict",
        "Seller",
        "999",
    )
    url = f"/api/orders/lines/{line['line_id']}/resolve"
    resolved = await client.post(url, json={"sku": " SKU-1 "}, headers=admin_headers)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json() == {
        "line_id": line["line_id"],
        "order_id": orders["conflict"],
        "sku": "SKU-1",
        "status": "DEDUCTED",
        "order_state": "DONE",
    }
    assert await quantity("SKU-1", "A") == 5
    again = await client.post(url, json={"sku": "SKU-1"}, headers=admin_headers)
    assert again.status_code == 409 and again.json()["field"] == "line_id"
    assert await quantity("SKU-1", "A") == 5
    assert await operations("ORDER_DEDUCTION") == 3
    order = (await client.get(f"/api/orders/{orders['conflict']}", headers=admin_headers)).json()
    assert order["lines"][0]["resolved_by"] == "admin@example.com"
    assert [m["delta"] for m in order["lines"][0]["movements"]] == [-2]
    empty = (await client.get("/api/orders/conflicts", headers=admin_headers)).json()
    assert (empty["items"], empty["total"]) == ([], 0)


@pytest.mark.parametrize(
    ("line", "body", "status", "field"),
    [
        ("conflict", {"sku": "NOPE"}, 404, "sku"),
        ("missing", {"sku": "SKU-1"}, 404, "line_id"),
        ("conflict", {"sku": "   "}, 422, "sku"),
        ("conflict", {"sku": ""}, 400, "sku"),
        ("conflict", {}, 400, "sku"),
        ("conflict", {"sku": "SKU-1", "colour": "red"}, 400, "colour"),
        ("conflict", {"sku": "SKU-2"}, 409, "sku"),
    ],
)
async def test_resolve_refusals_name_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    orders: dict[str, int],
    line: str,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    await stocked_offer(orders["seller"], "SKU-2", "222", {"A": 1})
    line_id = (await _conflict_line(client, admin_headers))["line_id"] if line == "conflict" else 99
    url = f"/api/orders/lines/{line_id}/resolve"
    response = await client.post(url, json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    await _conflict_line(client, admin_headers)
    assert (await quantity("SKU-1", "A"), await quantity("SKU-2", "A")) == (7, 1)


@pytest.fixture
async def import_jobs(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """No import job ids left from other tests (account ids restart at 1); none left after."""
    arq = app_of(client).state.arq
    await forget_import_jobs(arq)
    yield
    await forget_import_jobs(arq)


@pytest.mark.usefixtures("import_jobs")
async def test_import_enqueues_one_job_per_active_account(
    client: httpx.AsyncClient, admin_headers: dict[str, str], orders: dict[str, int]
) -> None:
    arq = app_of(client).state.arq
    dormant = await allegro_account(("A",), name="Dormant")
    await set_account_active(dormant, False)
    response = await client.post("/api/orders/import", json={"scope": "all"}, headers=admin_headers)
    assert response.status_code == 202, response.text
    active = [orders["seller"], orders["shop"]]
    assert response.json() == {"enqueued": active, "already_queued": []}
    for account_id in active:
        job = await arq.get(job_key_prefix + account_job_id(account_id))
        assert job is not None and IMPORT_ACCOUNT_ORDERS.encode() in job
    assert not await arq.exists(job_key_prefix + account_job_id(dormant))
    one = {"scope": "account", "account_id": orders["shop"]}
    again = await client.post("/api/orders/import", json=one, headers=admin_headers)
    assert again.status_code == 202
    assert again.json() == {"enqueued": [], "already_queued": [orders["shop"]]}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"scope": "account"}, 422, "account_id"),
        ({"scope": "all", "account_id": 1}, 422, "account_id"),
        ({"scope": "account", "account_id": 999}, 404, "account_id"),
        ({"scope": "account", "account_id": "dormant"}, 400, "account_id"),
        ({"scope": "everything"}, 400, "scope"),
    ],
)
@pytest.mark.usefixtures("import_jobs")
async def test_import_validation_names_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    await allegro_account(("A",))
    response = await client.post("/api/orders/import", json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


@pytest.mark.usefixtures("import_jobs")
async def test_import_of_a_deactivated_account_is_409(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    account = await allegro_account(("A",))
    await set_account_active(account, False)
    body = {"scope": "account", "account_id": account}
    response = await client.post("/api/orders/import", json=body, headers=admin_headers)
    assert response.status_code == 409 and response.json()["field"] == "account_id"
    assert not await app_of(client).state.arq.exists(job_key_prefix + account_job_id(account))


async def test_openapi_documents_the_orders_api(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operations_ids = {
        op["operationId"] for path in schema["paths"].values() for op in path.values()
    }
    assert {
        "listOrders",
        "getOrder",
        "listOrderConflicts",
        "resolveOrderLine",
        "importOrders",
    } <= operations_ids
    assert "restock_on_cancel" in schema["components"]["schemas"]["AccountUpdate"]["properties"]
