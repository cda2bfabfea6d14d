"""The sync switch of a product, and the checks on what a sync request names.

`set_sync_enabled` decides whether StockBridge pushes a product's stock to the marketplaces;
`check_sync_target` validates the scope of a manual sync before a run is recorded.
"""

from __future__ import annotations

from server.domain.db import engine, fetch, fetch_one
from server.domain.hooks import on_stock_changed
from server.domain.operations import NewOperation, OperationType, record_operation
from server.domain.refs import Actor
from server.errors import NotFoundError, ValidationFailedError


async def set_sync_enabled(sku: str, enabled: bool, *, actor: Actor) -> bool:
    """Switch a product's sync on or off; returns the new state (404 for an unknown SKU).

    A real change records a SYNC_TOGGLE operation; switching on also asks for a push of the SKU
    (after the commit), so the marketplaces catch up with what changed while it was off.
    """
    async with engine().transaction():
        row = await fetch_one(
            "SELECT id, is_sync_enabled FROM product WHERE sku = {} FOR UPDATE", sku
        )
        if row is None:
            raise NotFoundError(f"no product with SKU {sku!r}", field="sku")
        changed = bool(row["is_sync_enabled"]) != enabled
        if changed:
            await fetch_one(
                "UPDATE product SET is_sync_enabled = {}, updated_at = now() WHERE id = {} "
                "RETURNING id",
                enabled,
                row["id"],
            )
            await record_operation(
                NewOperation(
                    type=OperationType.SYNC_TOGGLE,
                    sku=sku,
                    product_id=row["id"],
                    old_values={"is_sync_enabled": not enabled},
                    new_values={"is_sync_enabled": enabled},
                    source=actor.source,
                    user_email=actor.email,
                )
            )
    if changed and enabled:
        await on_stock_changed([sku])
    return enabled


async def check_sync_target(scope: str, account_id: int | None, sku: str | None) -> None:
    """Refuse a sync request whose scope is incomplete or names an unknown account or SKU.

    Errors name the field to blame: 422 for a missing or misplaced value, 404 for an unknown one.
    """
    if scope not in ("all", "account", "sku"):
        raise ValidationFailedError("scope must be all, account or sku", field="scope")
    if scope == "account" and account_id is None:
        raise ValidationFailedError("an account sync needs account_id", field="account_id")
    if scope == "sku" and not sku:
        raise ValidationFailedError("a SKU sync needs sku", field="sku")
    if scope != "account" and account_id is not None:
        raise ValidationFailedError("account_id is only for scope 'account'", field="account_id")
    if scope != "sku" and sku:
        raise ValidationFailedError("sku is only for scope 'sku'", field="sku")
    if account_id is not None:
        row = await fetch_one("SELECT id FROM marketplace_account WHERE id = {}", account_id)
        if row is None:
            raise NotFoundError(f"no marketplace account with id {account_id}", field="account_id")
    if sku:
        row = await fetch_one("SELECT id FROM product WHERE sku = {}", sku)
        if row is None:
            raise NotFoundError(f"no product with SKU {sku!r}", field="sku")


async def active_account_ids(marketplace: str) -> list[int]:
    """The ids of a marketplace's active accounts, oldest first."""
    rows = await fetch(
        "SELECT id FROM marketplace_account WHERE marketplace = {} AND active ORDER BY id",
        marketplace,
    )
    return [int(row["id"]) for row in rows]
