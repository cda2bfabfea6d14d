"""Reverting operations: edits get their old values back, stock moves their inverse, once only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from server.domain import ledger
from server.domain.db import fetch, fetch_one
from server.domain.orders import OrderPhase, apply_order
from tests.integration.orders_helpers import snapshot
from tests.orders.helpers import ACTOR, allegro_account, quantity, stocked_offer


async def _patch(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> None:
    response = await client.patch("/api/products/SKU-1", json=body, headers=headers)
    assert response.status_code == 200, response.text


async def _last_id(kind: str) -> int:
    row = await fetch_one("SELECT max(id) AS id FROM operation WHERE type = {}", kind)
    assert row is not None and row["id"] is not None
    return int(row["id"])


async def _revert(
    client: httpx.AsyncClient, headers: dict[str, str], operation_id: int
) -> httpx.Response:
    return await client.post(f"/api/operations/{operation_id}/revert", headers=headers)


async def _invariant_holds() -> bool:
    rows = await fetch(
        "SELECT s.product, w.code, s.quantity, COALESCE(o.total, 0) AS total FROM stock s "
        "JOIN warehouse w ON w.id = s.warehouse LEFT JOIN (SELECT sku, warehouse_code, "
        "SUM(quantity_delta) AS total FROM operation GROUP BY sku, warehouse_code) o "
        "ON o.sku = s.product AND o.warehouse_code = w.code"
    )
    return all(row["quantity"] == row["total"] for row in rows)


async def test_edit_is_rolled_back_and_marked_reverted_once(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _patch(client, admin_headers, {"name": "Red widget", "sku": "SKU-2"})
    edit_id = await _last_id("PRODUCT_EDIT")
    response = await _revert(client, admin_headers, edit_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["reverted_by"] == "admin@example.com" and body["reverted_at"]
    product_body = (await client.get("/api/products/SKU-1", headers=admin_headers)).json()
    assert product_body["name"] == "Blue widget"
    rollback = await fetch_one(
        "SELECT reverts_operation_id, sku, old_values, new_values FROM operation "
        "WHERE type = 'ROLLBACK'"
    )
    assert rollback is not None and rollback["reverts_operation_id"] == edit_id
    assert rollback["sku"] == "SKU-1"
    again = await _revert(client, admin_headers, edit_id)
    assert again.status_code == 409 and "already reverted by admin@example.com" in again.text


async def test_rollback_refused_after_a_later_edit_of_the_same_field(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _patch(client, admin_headers, {"name": "Red widget", "ean": "96385074"})
    first = await _last_id("PRODUCT_EDIT")
    await _patch(client, admin_headers, {"name": "Green widget"})
    second = await _last_id("PRODUCT_EDIT")
    refused = await _revert(client, admin_headers, first)
    assert refused.status_code == 409
    assert refused.json()["field"] == "name" and f"#{second}" in refused.json()["detail"]
    assert (await client.get("/api/products/SKU-1", headers=admin_headers)).json()["name"] == (
        "Green widget"
    )
    assert (await _revert(client, admin_headers, second)).status_code == 201
    assert (await _revert(client, admin_headers, first)).status_code == 201
    product_body = (await client.get("/api/products/SKU-1", headers=admin_headers)).json()
    assert (product_body["name"], product_body["ean"]) == ("Blue widget", None)


async def test_rollback_of_a_rename_is_refused_when_the_old_sku_is_taken_again(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _patch(client, admin_headers, {"sku": "SKU-2"})
    edit_id = await _last_id("PRODUCT_EDIT")
    created = await client.post(
        "/api/products", json={"sku": "SKU-1", "name": "Newcomer"}, headers=admin_headers
    )
    assert created.status_code == 201
    refused = await _revert(client, admin_headers, edit_id)
    assert refused.status_code == 409 and "Newcomer" in refused.json()["detail"]


async def test_stock_operations_are_undone_by_their_inverse(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await ledger.receive("SKU-1", "A", 10, actor=ACTOR)
    sale = await ledger.sell("SKU-1", "A", 2, actor=ACTOR)
    await ledger.transfer("SKU-1", "A", "B", 5, actor=ACTOR)
    transfer_id = await _last_id("TRANSFER")
    await ledger.adjust("SKU-1", "B", 4, reason="count", actor=ACTOR)
    adjust_id = await _last_id("ADJUSTMENT")

    assert (await _revert(client, admin_headers, adjust_id)).status_code == 201
    assert await quantity("SKU-1", "B") == 5
    assert (await _revert(client, admin_headers, transfer_id)).status_code == 201
    assert (await quantity("SKU-1", "A"), await quantity("SKU-1", "B")) == (8, 0)
    assert (await _revert(client, admin_headers, transfer_id - 1)).status_code == 409
    assert (await _revert(client, admin_headers, sale.operation_id)).status_code == 201
    assert await quantity("SKU-1", "A") == 10
    assert await _invariant_holds()


async def test_undo_that_would_make_stock_negative_is_409(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    receipt = await ledger.receive("SKU-1", "A", 5, actor=ACTOR)
    await ledger.sell("SKU-1", "A", 3, actor=ACTOR)
    refused = await _revert(client, admin_headers, receipt.operation_id)
    assert refused.status_code == 409 and refused.json()["code"] == "insufficient_stock"
    assert await quantity("SKU-1", "A") == 2
    assert await fetch("SELECT id FROM operation WHERE type = 'ROLLBACK'") == []


async def test_order_deductions_and_other_types_are_refused_with_a_reason(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    account = await allegro_account(("A",))
    await stocked_offer(account, "SKU-1", "111", {"A": 4})
    await apply_order(account, snapshot("form-1", OrderPhase.READY, "111", qty=1))
    deduction = await _revert(client, admin_headers, await _last_id("ORDER_DEDUCTION"))
    assert deduction.status_code == 409 and "order import" in deduction.json()["detail"]
    create = await _revert(client, admin_headers, await _last_id("PRODUCT_CREATE"))
    assert create.status_code == 409 and "cannot be reverted" in create.json()["detail"]
    assert (await _revert(client, admin_headers, 999_999)).status_code == 404


async def test_racing_reverts_undo_once(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    receipt = await ledger.receive("SKU-1", "A", 10, actor=ACTOR)
    await ledger.receive("SKU-1", "A", 10, actor=ACTOR)
    await ledger.transfer("SKU-1", "A", "B", 4, actor=ACTOR)
    target_row = await _last_id("TRANSFER")
    answers = await asyncio.gather(
        _revert(client, admin_headers, receipt.operation_id),
        _revert(client, admin_headers, receipt.operation_id),
        _revert(client, admin_headers, target_row),
        _revert(client, admin_headers, target_row - 1),
    )
    codes = [answer.status_code for answer in answers]
    assert sorted(codes[:2]) == [201, 409] and sorted(codes[2:]) == [201, 409], codes
    assert (await quantity("SKU-1", "A"), await quantity("SKU-1", "B")) == (10, 0)
    assert await _invariant_holds()
