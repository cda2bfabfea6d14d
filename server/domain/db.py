"""Small helpers over Piccolo's engine for the domain: transactions and raw SQL with `{}` slots."""

from __future__ import annotations

from typing import Any

from piccolo.engine.postgres import PostgresEngine

from server.db.tables import Product


def engine() -> PostgresEngine:
    """The Piccolo engine every table uses (configured in `piccolo_conf.py`)."""
    db = Product._meta.db
    assert isinstance(db, PostgresEngine)
    return db


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run SQL (placeholders written `{}`) in the current transaction if any; return rows."""
    rows: list[dict[str, Any]] = await Product.raw(sql, *args).run()
    return rows


async def fetch_one(sql: str, *args: Any) -> dict[str, Any] | None:
    """The first row of `fetch`, or None."""
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE/ILIKE pattern (its `%`, `_` and `\\` match themselves)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
