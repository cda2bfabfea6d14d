"""What people ask of order import: which accounts an "import now" covers, and resolving a
conflicting line by naming its product (it then deducts once, see `conflicts.resolve_conflict`).
"""

from __future__ import annotations

import msgspec

from server.domain.db import fetch, fetch_one
from server.domain.orders.conflicts import resolve_conflict
from server.domain.orders.queries import order_of_line
from server.domain.refs import Actor
from server.errors import ConflictError, NotFoundError, ValidationFailedError

MAX_SKU_LENGTH = 64


class ResolvedLine(msgspec.Struct, kw_only=True):
    """A conflict resolved: the line's new status and its order's state after it."""

    line_id: int
    order_id: int
    sku: str
    status: str
    order_state: str


async def import_target_accounts(scope: str, account_id: int | None) -> list[int]:
    """The accounts an import request covers: every active one, or the one named.

    Errors name the field to blame: 422 for a missing or misplaced value, 404 for an unknown
    account and 409 for a deactivated one.
    """
    if scope not in ("all", "account"):
        raise ValidationFailedError("scope must be all or account", field="scope")
    if scope == "all":
        if account_id is not None:
            raise ValidationFailedError(
                "account_id is only for scope 'account'", field="account_id"
            )
        rows = await fetch("SELECT id FROM marketplace_account WHERE active ORDER BY id")
        return [int(row["id"]) for row in rows]
    if account_id is None:
        raise ValidationFailedError("an account import needs account_id", field="account_id")
    row = await fetch_one("SELECT active FROM marketplace_account WHERE id = {}", account_id)
    if row is None:
        raise NotFoundError(f"no marketplace account with id {account_id}", field="account_id")
    if not row["active"]:
        raise ConflictError(
            f"marketplace account {account_id} is deactivated: activate it first",
            field="account_id",
        )
    return [account_id]


def clean_sku(sku: str) -> str:
    """The SKU a person typed, trimmed; 422 naming `sku` when nothing is left or it is too long."""
    cleaned = sku.strip()
    if not cleaned:
        raise ValidationFailedError("SKU is required", field="sku")
    if len(cleaned) > MAX_SKU_LENGTH:
        raise ValidationFailedError(f"SKU is at most {MAX_SKU_LENGTH} characters", field="sku")
    return cleaned


async def resolve_line(line_id: int, sku: str, *, actor: Actor) -> ResolvedLine:
    """Map a CONFLICT line to a product and deduct it once (404 unknown line or SKU, 409 when it
    is not a conflict or the stock is still short)."""
    cleaned = clean_sku(sku)
    order_id = await order_of_line(line_id)
    status = await resolve_conflict(line_id, cleaned, actor=actor)
    row = await fetch_one("SELECT state FROM order_import WHERE id = {}", order_id)
    state = str(row["state"]) if row is not None else ""
    return ResolvedLine(
        line_id=line_id, order_id=order_id, sku=cleaned, status=status, order_state=state
    )
