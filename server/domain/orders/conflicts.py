"""A person resolves a conflicting order line by naming its product; it then deducts once."""

from __future__ import annotations

from server.domain.db import engine, fetch_one
from server.domain.hooks import on_stock_changed
from server.domain.orders.apply import order_state
from server.domain.orders.line_steps import deduct_sku, set_line
from server.domain.orders.models import OrderPhase
from server.domain.refs import Actor
from server.errors import ConflictError, NotFoundError

PHASE_OF_STATE = {"CANCELLED": OrderPhase.CANCELLED, "OPEN": OrderPhase.PENDING}


async def _line_for_update(line_id: int) -> dict[str, object]:
    row = await fetch_one(
        "SELECT ol.*, o.account, o.external_id, o.state AS order_state FROM order_line ol "
        "JOIN order_import o ON o.id = ol.order WHERE ol.id = {} FOR UPDATE OF o, ol",
        line_id,
    )
    if row is None:
        raise NotFoundError(f"no order line {line_id}", field="line_id")
    if row["status"] != "CONFLICT":
        raise ConflictError(
            f"order line {line_id} is {row['status']}, not a conflict", field="line_id"
        )
    return row


async def resolve_conflict(line_id: int, sku: str, *, actor: Actor) -> str:
    """Map a CONFLICT line to `sku` and deduct it once; returns the line's new status.

    A line of a cancelled order is closed as CANCELLED instead. When the stock is still short,
    the line stays a CONFLICT with the new reason (and this raises 409 naming it).
    """
    async with engine().transaction():
        line = await _line_for_update(line_id)
        if await fetch_one("SELECT id FROM product WHERE sku = {}", sku) is None:
            raise NotFoundError(f"no product with SKU {sku!r}", field="sku")
        if line["order_state"] == "CANCELLED":
            await set_line(line_id, status="CANCELLED", resolved_by=actor.email)
            moved = None
        else:
            moved = await deduct_sku(
                int(str(line["account"])), str(line["external_id"]), dict(line), sku, actor
            )
        after = await fetch_one(
            "SELECT status, conflict_reason FROM order_line WHERE id = {}", line_id
        )
        assert after is not None
        if after["status"] == "CONFLICT":
            raise ConflictError(str(after["conflict_reason"]), field="sku")
        status = str(after["status"])
        await set_line(line_id, resolved_by=actor.email)
        await _refresh_order_state(int(str(line["order"])), str(line["order_state"]))
    if moved is not None:
        await on_stock_changed([moved])
    return status


async def _refresh_order_state(order_id: int, state: str) -> None:
    rows = await fetch_one(
        'SELECT array_agg(status) AS statuses FROM order_line WHERE "order" = {}', order_id
    )
    statuses = list(rows["statuses"] or []) if rows else []
    phase = PHASE_OF_STATE.get(state, OrderPhase.READY)
    await fetch_one(
        "UPDATE order_import SET state = {}, updated_at = now() WHERE id = {} RETURNING id",
        order_state(phase, statuses),
        order_id,
    )
