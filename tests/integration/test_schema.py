"""The schema's promises, checked with raw SQL: cascades, CHECKs and unique keys live in PostgreSQL."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from server.domain import ledger
from server.domain.db import fetch, fetch_one
from server.domain.refs import Actor

ACTOR = Actor(email="schema@example.com", source="test")


async def _dependents(sku: str) -> dict[str, int]:
    counts = {}
    for table in ("stock", "sale", "transfer"):
        row = await fetch_one(f"SELECT count(*) AS n FROM {table} WHERE product = {{}}", sku)
        assert row is not None
        counts[table] = int(row["n"])
    return counts


async def _with_history(sku: str) -> None:
    await ledger.receive(sku, "A", 10, actor=ACTOR)
    await ledger.sell(sku, "A", 2, actor=ACTOR)
    await ledger.transfer(sku, "A", "B", 3, actor=ACTOR)


async def test_rekeying_a_product_carries_its_rows(product: str) -> None:
    await _with_history(product)
    before = await _dependents(product)
    assert before == {"stock": 2, "sale": 1, "transfer": 1}
    await fetch("UPDATE product SET sku = 'SKU-RENAMED' WHERE sku = {}", product)
    assert await _dependents("SKU-RENAMED") == before
    assert await _dependents(product) == {"stock": 0, "sale": 0, "transfer": 0}


async def test_deleting_a_product_deletes_its_rows(product: str) -> None:
    await _with_history(product)
    await fetch("DELETE FROM product WHERE sku = {}", product)
    assert await _dependents(product) == {"stock": 0, "sale": 0, "transfer": 0}


async def test_database_refuses_negative_stock(product: str) -> None:
    await ledger.receive(product, "A", 1, actor=ACTOR)
    with pytest.raises(asyncpg.CheckViolationError):
        await fetch("UPDATE stock SET quantity = -1 WHERE product = {}", product)


async def test_database_refuses_duplicates(product: str) -> None:
    await ledger.receive(product, "A", 1, actor=ACTOR)
    with pytest.raises(asyncpg.UniqueViolationError):
        await fetch("INSERT INTO product (sku, name) VALUES ({}, 'again')", product)
    with pytest.raises(asyncpg.UniqueViolationError):
        await fetch(
            "INSERT INTO stock (product, warehouse, quantity) "
            "SELECT {}, id, 1 FROM warehouse WHERE code = 'A'",
            product,
        )
    await ledger.sell(product, "A", 1, actor=ACTOR, idempotency_key="k-1")
    with pytest.raises(asyncpg.UniqueViolationError):
        await fetch(
            "INSERT INTO sale (product, warehouse, quantity, idempotency_key) "
            "SELECT {}, id, 1, 'k-1' FROM warehouse WHERE code = 'A'",
            product,
        )


async def test_foreign_keys_are_declared_with_cascades() -> None:
    rows = await fetch(
        "SELECT conrelid::regclass::text AS tbl, confupdtype::text, confdeltype::text "
        "FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = 'product'::regclass"
    )
    assert {r["tbl"] for r in rows} == {"stock", "sale", "transfer", "listing", "product_sync_lock"}
    assert all(r["confupdtype"] == "c" and r["confdeltype"] == "c" for r in rows)


async def test_migrations_run_backwards_and_forwards() -> None:
    """Checked on a scratch database so the run's own schema stays intact."""
    import os
    import subprocess
    import sys

    from server.devtools.services import temporary_database

    with temporary_database("sb_migrate") as dsn:
        env = {**os.environ, "DATABASE_URL": dsn}
        script = (
            "import asyncio\n"
            "from piccolo.apps.migrations.commands.forwards import run_forwards\n"
            "from piccolo.apps.migrations.commands.backwards import run_backwards\n"
            "async def main():\n"
            "    assert (await run_forwards('all')).success\n"
            "    assert (await run_backwards('stockbridge', migration_id='all', auto_agree=True)).success\n"
            "    assert (await run_forwards('all')).success\n"
            "asyncio.run(main())\n"
        )
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
