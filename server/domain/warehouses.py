"""Warehouses: listing and creating the places that hold stock."""

from __future__ import annotations

import re
from datetime import datetime

import asyncpg
import msgspec

from server.domain.db import fetch, fetch_one
from server.domain.validation import clean_name
from server.errors import ConflictError, ValidationFailedError

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")


class WarehouseRecord(msgspec.Struct, kw_only=True):
    """A warehouse as shown to people and API clients."""

    id: int
    code: str
    name: str
    active: bool
    created_at: datetime


_COLUMNS = "id, code, name, active, created_at"


async def list_warehouses(*, active_only: bool = False) -> list[WarehouseRecord]:
    """All warehouses ordered by code."""
    where = "WHERE active" if active_only else ""
    rows = await fetch(f"SELECT {_COLUMNS} FROM warehouse {where} ORDER BY code")
    return [msgspec.convert(row, WarehouseRecord) for row in rows]


async def create_warehouse(code: str, name: str) -> WarehouseRecord:
    """Create a warehouse; the code is upper-cased and must be unique."""
    code = code.strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationFailedError(
            "code must be 1-16 letters, digits, '-' or '_', starting with a letter or digit",
            field="code",
        )
    name = clean_name(name, max_length=100)
    try:
        row = await fetch_one(
            f"INSERT INTO warehouse (code, name, active, created_at) "
            f"VALUES ({{}}, {{}}, true, now()) RETURNING {_COLUMNS}",
            code,
            name,
        )
    except asyncpg.UniqueViolationError:
        raise ConflictError(f"a warehouse with code {code!r} exists", field="code") from None
    return msgspec.convert(row, WarehouseRecord)
