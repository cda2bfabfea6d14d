"""The stock ledger against real PostgreSQL: concurrency, idempotency, invariant, cascades."""

from __future__ import annotations

import asyncio
import random

import pytest

from server.domain import ledger
from server.domain.db import fetch, fetch_one
from server.domain.hooks import add_stock_change_listener, remove_stock_change_listener
from server.domain.products import NewProduct, create_product
from server.domain.refs import Actor
from server.errors import (
    ConflictError,
    InsufficientStockError,
    NotFoundError,
    ValidationFailedError,
)

ACTOR = Actor(email="tester@example.com", source="test")


async def _quantity(sku: str, warehouse: str) -> int:
    row = await fetch_one(
        "SELECT s.quantity FROM stock s JOIN warehouse w ON w.id = s.warehouse "
        "WHERE s.product = {} AND w.code = {}",
        sku,
        warehouse,
    )
    return 0 if row is None else int(row["quantity"])


async def _invariant_violations() -> list[dict[str, object]]:
    return await fetch(
        "SELECT s.product, w.code, s.quantity, COALESCE(o.total, 0) AS total FROM stock s "
        "JOIN warehouse w ON w.id = s.warehouse LEFT JOIN (SELECT sku, warehouse_code, "
        "SUM(quantity_delta) AS total FROM operation GROUP BY sku, warehouse_code) o "
        "ON o.sku = s.product AND o.warehouse_code = w.code "
        "WHERE s.quantity <> COALESCE(o.total, 0)"
    )


async def test_fifty_concurrent_sales_against_twenty_units(product: str) -> None:
    await ledger.receive(product, "A", 20, actor=ACTOR)

    async def sell_one() -> bool:
        try:
            await ledger.sell(product, "A", 1, actor=ACTOR)
        except InsufficientStockError as error:
            assert "insufficient stock" in error.message
            return False
        return True

    outcomes = await asyncio.gather(*(sell_one() for _ in range(50)))
    assert outcomes.count(True) == 20
    assert outcomes.count(False) == 30
    assert await _quantity(product, "A") == 0
    sales = await fetch_one("SELECT count(*) AS n FROM sale")
    assert sales is not None and sales["n"] == 20
    assert await _invariant_violations() == []


async def test_repeated_idempotency_key_returns_first_sale(product: str) -> None:
    await ledger.receive(product, "A", 10, actor=ACTOR)
    first = await ledger.sell(product, "A", 3, actor=ACTOR, idempotency_key="order-1:line-1")
    again = await asyncio.gather(
        *(
            ledger.sell(product, "A", 3, actor=ACTOR, idempotency_key="order-1:line-1")
            for _ in range(5)
        )
    )
    assert not first.replayed
    assert all(r.replayed and r.sale_id == first.sale_id for r in again)
    assert all(r.quantity_after == first.quantity_after == 7 for r in again)
    assert await _quantity(product, "A") == 7
    with pytest.raises(ConflictError) as error:
        await ledger.sell(product, "A", 4, actor=ACTOR, idempotency_key="order-1:line-1")
    assert error.value.field == "idempotency_key"
    assert await _quantity(product, "A") == 7


async def test_failed_sale_with_key_leaves_key_free(product: str) -> None:
    with pytest.raises(InsufficientStockError):
        await ledger.sell(product, "A", 1, actor=ACTOR, idempotency_key="k")
    await ledger.receive(product, "A", 1, actor=ACTOR)
    result = await ledger.sell(product, "A", 1, actor=ACTOR, idempotency_key="k")
    assert not result.replayed


async def test_ledger_invariant_after_random_mix(warehouses: list[str]) -> None:
    skus = [f"MIX-{i}" for i in range(5)]
    for sku in skus:
        await create_product(NewProduct(sku=sku, name=f"Mixed {sku}"), actor=ACTOR)
    rng = random.Random(7)

    async def one_operation() -> None:
        sku, kind = rng.choice(skus), rng.choice(["receive", "sell", "transfer", "adjust"])
        a, b = rng.sample(warehouses, 2)
        try:
            if kind == "receive":
                await ledger.receive(sku, a, rng.randint(1, 20), actor=ACTOR)
            elif kind == "sell":
                await ledger.sell(sku, a, rng.randint(1, 10), actor=ACTOR)
            elif kind == "transfer":
                await ledger.transfer(sku, a, b, rng.randint(1, 10), actor=ACTOR)
            else:
                await ledger.adjust(sku, a, rng.randint(0, 30), reason="count", actor=ACTOR)
        except InsufficientStockError:
            pass

    for _ in range(10):
        await asyncio.gather(*(one_operation() for _ in range(20)))
    assert await _invariant_violations() == []
    negative = await fetch_one("SELECT count(*) AS n FROM stock WHERE quantity < 0")
    assert negative is not None and negative["n"] == 0


async def test_transfer_moves_units_and_refuses_overdraw(product: str) -> None:
    await ledger.receive(product, "A", 5, actor=ACTOR)
    result = await ledger.transfer(product, "A", "B", 3, actor=ACTOR)
    assert (result.from_quantity_after, result.to_quantity_after) == (2, 3)
    with pytest.raises(InsufficientStockError):
        await ledger.transfer(product, "A", "B", 3, actor=ACTOR)
    assert (await _quantity(product, "A"), await _quantity(product, "B")) == (2, 3)
    ops = await fetch("SELECT warehouse_code, quantity_delta FROM operation WHERE type='TRANSFER'")
    assert sorted((o["warehouse_code"], o["quantity_delta"]) for o in ops) == [("A", -3), ("B", 3)]


async def test_opposite_transfers_do_not_deadlock(product: str) -> None:
    await ledger.receive(product, "A", 100, actor=ACTOR)
    await ledger.receive(product, "B", 100, actor=ACTOR)
    await asyncio.gather(
        *(
            ledger.transfer(product, *(("A", "B") if i % 2 else ("B", "A")), 1, actor=ACTOR)
            for i in range(40)
        )
    )
    assert await _quantity(product, "A") + await _quantity(product, "B") == 200
    assert await _invariant_violations() == []


async def test_adjust_records_delta_and_reason(product: str) -> None:
    await ledger.receive(product, "A", 5, actor=ACTOR)
    change = await ledger.adjust(product, "A", 2, reason="stock-take", actor=ACTOR)
    assert (change.quantity_delta, change.quantity_after) == (-3, 2)
    row = await fetch_one("SELECT * FROM operation WHERE id = {}", change.operation_id)
    assert row is not None
    assert row["reason"] == "stock-take" and row["quantity_delta"] == -3
    with pytest.raises(ValidationFailedError) as error:
        await ledger.adjust(product, "A", 1, reason="  ", actor=ACTOR)
    assert error.value.field == "reason"


@pytest.mark.parametrize("quantity", [0, -1, ledger.MAX_QUANTITY + 1])
async def test_bad_quantities_change_nothing(product: str, quantity: int) -> None:
    with pytest.raises(ValidationFailedError):
        await ledger.receive(product, "A", quantity, actor=ACTOR)
    assert await fetch("SELECT * FROM operation WHERE type = 'RECEIPT'") == []


async def test_unknown_product_and_warehouse(product: str) -> None:
    with pytest.raises(NotFoundError) as missing_product:
        await ledger.receive("NOPE", "A", 1, actor=ACTOR)
    assert missing_product.value.field == "sku"
    with pytest.raises(NotFoundError) as missing_warehouse:
        await ledger.receive(product, "Z", 1, actor=ACTOR)
    assert missing_warehouse.value.field == "warehouse"


async def test_every_change_calls_the_hook_after_commit(product: str) -> None:
    seen: list[list[str]] = []

    async def listener(skus: list[str]) -> None:
        row = await fetch_one("SELECT count(*) AS n FROM operation WHERE sku = {}", skus[0])
        assert row is not None and row["n"] > 0
        seen.append(skus)

    add_stock_change_listener(listener)
    try:
        await ledger.receive(product, "A", 5, actor=ACTOR)
        await ledger.sell(product, "A", 1, actor=ACTOR)
        await ledger.transfer(product, "A", "B", 1, actor=ACTOR)
        await ledger.adjust(product, "B", 4, reason="count", actor=ACTOR)
        with pytest.raises(InsufficientStockError):
            await ledger.sell(product, "A", 99, actor=ACTOR)
    finally:
        remove_stock_change_listener(listener)
    assert seen == [[product]] * 4
