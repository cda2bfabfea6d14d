"""The engine's transactions give their connection back even when the server dropped it.

Found by the chaos soak: after `pg_terminate_backend`, Piccolo's transaction exit failed in its
rollback and never released the connection, so the pool lost the slot for good and, once every
slot was gone, every later query of the process waited forever.
"""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine

from server.db.engine import StockBridgeEngine


async def _drop_own_connection(engine: PostgresEngine) -> None:
    """A transaction whose connection the server terminates midway."""
    async with engine.transaction() as transaction:
        await transaction.connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")


async def test_a_dropped_connection_goes_back_to_the_pool() -> None:
    """With a pool of one, the next transaction after a dropped one still gets a connection."""
    engine = StockBridgeEngine(config={"dsn": os.environ["DATABASE_URL"]})
    await engine.start_connection_pool(min_size=1, max_size=1)
    try:
        for _ in range(3):
            with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError)):
                await _drop_own_connection(engine)
            assert engine.current_transaction.get() is None

        async def select_one() -> int:
            found = 0
            async with engine.transaction() as transaction:
                found = int(await transaction.connection.fetchval("SELECT 1"))
            return found

        assert await asyncio.wait_for(select_one(), timeout=10) == 1
    finally:
        await asyncio.wait_for(engine.close_connection_pool(), timeout=10)


async def test_a_failed_begin_gives_the_connection_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """BEGIN on a connection the server dropped raises; the connection still goes back."""
    engine = StockBridgeEngine(config={"dsn": os.environ["DATABASE_URL"]})
    await engine.start_connection_pool(min_size=1, max_size=1)

    async def begin_on_a_dropped_connection(self: object) -> None:
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of BEGIN")

    try:
        with monkeypatch.context() as patched:
            patched.setattr(type(engine.transaction()), "begin", begin_on_a_dropped_connection)
            for _ in range(2):
                with pytest.raises(asyncpg.ConnectionDoesNotExistError):
                    async with engine.transaction():
                        pass
        assert engine.current_transaction.get() is None
        async with engine.transaction() as again:
            assert await asyncio.wait_for(again.connection.fetchval("SELECT 3"), timeout=10) == 3
    finally:
        await asyncio.wait_for(engine.close_connection_pool(), timeout=10)


async def test_nested_and_committed_transactions_behave_as_before() -> None:
    """A nested transaction joins its parent; a committed one releases its connection."""
    engine = StockBridgeEngine(config={"dsn": os.environ["DATABASE_URL"]})
    await engine.start_connection_pool(min_size=1, max_size=1)
    try:
        async with engine.transaction() as outer, engine.transaction() as inner:
            assert inner is outer
        async with engine.transaction() as again:
            assert await again.connection.fetchval("SELECT 2") == 2
    finally:
        await engine.close_connection_pool()
