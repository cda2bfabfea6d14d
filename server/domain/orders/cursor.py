"""Where an account's order import resumes (`order_cursor`): an event id and a time watermark."""

from __future__ import annotations

import datetime as dt

import msgspec

from server.domain.db import fetch_one


class OrderCursorState(msgspec.Struct, frozen=True, kw_only=True):
    """An account's import position; None fields mean "not started"."""

    event_id: str | None = None
    watermark: dt.datetime | None = None
    started_at: dt.datetime | None = None


async def load_cursor(account_id: int) -> OrderCursorState:
    """The stored position, or an empty one for an account never imported."""
    row = await fetch_one(
        "SELECT event_id, watermark, started_at FROM order_cursor WHERE account = {}", account_id
    )
    if row is None:
        return OrderCursorState()
    return OrderCursorState(
        event_id=row["event_id"], watermark=row["watermark"], started_at=row["started_at"]
    )


async def start_cursor(
    account_id: int, event_id: str | None, started_at: dt.datetime
) -> OrderCursorState:
    """Give a new account its first position in one write: event id, watermark and start time.

    An account that already has a position keeps it (a second importer racing to start it, or a
    restart), and that position is returned.
    """
    await fetch_one(
        "INSERT INTO order_cursor (account, event_id, watermark, started_at, updated_at) "
        "VALUES ({}, {}, {}, {}, now()) ON CONFLICT (account) DO NOTHING RETURNING id",
        account_id,
        event_id,
        started_at,
        started_at,
    )
    return await load_cursor(account_id)


async def save_event_id(account_id: int, event_id: str) -> None:
    """Move the event cursor (only ever past events fully processed)."""
    await fetch_one(
        "INSERT INTO order_cursor (account, event_id, updated_at) VALUES ({}, {}, now()) "
        "ON CONFLICT (account) DO UPDATE SET event_id = EXCLUDED.event_id, updated_at = now() "
        "RETURNING id",
        account_id,
        event_id,
    )


async def save_watermark(account_id: int, watermark: dt.datetime) -> None:
    """Move the time watermark forward (never back)."""
    await fetch_one(
        "INSERT INTO order_cursor (account, watermark, updated_at) VALUES ({}, {}, now()) "
        "ON CONFLICT (account) DO UPDATE SET watermark = GREATEST(order_cursor.watermark, "
        "EXCLUDED.watermark), updated_at = now() RETURNING id",
        account_id,
        watermark,
    )
