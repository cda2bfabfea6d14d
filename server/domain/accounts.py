"""Marketplace accounts: create, read, edit, deactivate and activate.

Credentials are sealed on the way in and only ever come back masked (`server.domain.credentials`);
the marketplace clients read them through `load_credentials`. Accounts are deactivated rather
than deleted: listings, and later orders, refer to them. Source warehouses are kept in order in
`account_warehouse`; the sync adds up their stock and order import draws from the first that has
stock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from server.domain.credentials import (
    Credentials,
    Marketplace,
    clean_credentials,
    clean_marketplace,
    masked,
    merge_credentials,
    open_credentials,
    seal_credentials,
)
from server.domain.crypto import CredentialsUnreadableError
from server.domain.db import engine, fetch, fetch_one
from server.domain.ledger import MAX_QUANTITY
from server.domain.refs import warehouse_by_code
from server.domain.validation import clean_name
from server.errors import ConflictError, NotFoundError, ValidationFailedError

logger = logging.getLogger(__name__)
MAX_NAME_LENGTH = 100
MAX_SOURCE_WAREHOUSES = 50


class AccountRecord(msgspec.Struct, kw_only=True):
    """An account as shown to people and API clients: credentials only masked."""

    id: int
    marketplace: str
    name: str
    active: bool
    source_warehouses: list[str]
    safety_buffer: int
    restock_on_cancel: bool
    credentials: dict[str, str]
    credentials_readable: bool
    listings_count: int
    created_at: datetime
    updated_at: datetime
    credentials_updated_at: datetime


class NewAccount(msgspec.Struct, kw_only=True):
    """What a caller gives to create an account; checked on create."""

    marketplace: str
    name: str
    credentials: dict[str, Any]
    source_warehouses: list[str]
    safety_buffer: int = 0
    restock_on_cancel: bool = True
    """Give a cancelled order's deducted units back to the warehouse they came from."""


class AccountChanges(msgspec.Struct, kw_only=True):
    """An edit: fields left None stay as they are; `credentials` may name only the rotated ones."""

    name: str | None = None
    credentials: dict[str, Any] | None = None
    source_warehouses: list[str] | None = None
    safety_buffer: int | None = None
    restock_on_cancel: bool | None = None


_JSON = msgspec.json.Encoder()
_SELECT = (
    "SELECT a.id, a.marketplace, a.name, a.active, a.safety_buffer, a.restock_on_cancel, "
    "a.credentials, a.created_at, a.updated_at, a.credentials_updated_at, "
    "ARRAY(SELECT w.code FROM account_warehouse aw JOIN warehouse w ON w.id = aw.warehouse "
    "WHERE aw.account = a.id ORDER BY aw.position, w.code) AS source_warehouses, "
    "(SELECT count(*) FROM listing l WHERE l.account = a.id)::int AS listings_count "
    "FROM marketplace_account a "
)


def _to_record(row: dict[str, Any]) -> AccountRecord:
    marketplace = Marketplace(row.pop("marketplace"))
    envelope = row.pop("credentials")
    try:
        shown, readable = masked(open_credentials(marketplace, envelope)), True
    except CredentialsUnreadableError:
        shown, readable = {}, False
    row["source_warehouses"] = list(row["source_warehouses"] or [])
    return AccountRecord(
        marketplace=marketplace.value, credentials=shown, credentials_readable=readable, **row
    )


def _not_found(account_id: int) -> NotFoundError:
    return NotFoundError(f"no marketplace account with id {account_id}")


def clean_safety_buffer(value: int) -> int:
    """Units held back from every listing of the account: a whole number from 0."""
    if not 0 <= value <= MAX_QUANTITY:
        raise ValidationFailedError(
            f"safety buffer must be between 0 and {MAX_QUANTITY:,}", field="safety_buffer"
        )
    return value


async def _warehouse_ids(codes: Sequence[str]) -> list[int]:
    """Active warehouses by code, in the order given; at least one, none twice."""
    field = "source_warehouses"
    cleaned = [code.strip().upper() for code in codes if code.strip()]
    if not cleaned:
        raise ValidationFailedError("choose at least one source warehouse", field=field)
    if len(cleaned) > MAX_SOURCE_WAREHOUSES:
        raise ValidationFailedError(
            f"at most {MAX_SOURCE_WAREHOUSES} source warehouses", field=field
        )
    repeated = sorted({code for code in cleaned if cleaned.count(code) > 1})
    if repeated:
        raise ValidationFailedError(f"warehouse {repeated[0]!r} is listed twice", field=field)
    return [(await warehouse_by_code(code, field=field)).id for code in cleaned]


async def _set_warehouses(account_id: int, warehouse_ids: list[int]) -> None:
    await fetch("DELETE FROM account_warehouse WHERE account = {}", account_id)
    await fetch(
        "INSERT INTO account_warehouse (account, warehouse, position) "
        "SELECT {}, t.warehouse, t.position FROM unnest({}::int[]) "
        "WITH ORDINALITY AS t(warehouse, position)",
        account_id,
        warehouse_ids,
    )


def _name_taken(marketplace: Marketplace, name: str) -> ConflictError:
    return ConflictError(f"a {marketplace.value} account named {name!r} exists", field="name")


async def get_account(account_id: int) -> AccountRecord:
    """One account, or NotFoundError."""
    row = await fetch_one(_SELECT + "WHERE a.id = {}", account_id)
    if row is None:
        raise _not_found(account_id)
    return _to_record(row)


async def list_accounts(
    *, marketplace: str | None = None, active: bool | None = None
) -> list[AccountRecord]:
    """Accounts by marketplace and name, optionally only one marketplace or status."""
    conditions: list[str] = []
    args: list[Any] = []
    if marketplace is not None:
        conditions.append("a.marketplace = {}")
        args.append(clean_marketplace(marketplace).value)
    if active is not None:
        conditions.append("a.active = {}")
        args.append(active)
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    rows = await fetch(_SELECT + where + "ORDER BY a.marketplace, a.name", *args)
    return [_to_record(row) for row in rows]


async def create_account(new: NewAccount) -> AccountRecord:
    """Connect an account; 409 if its marketplace already has an account of that name."""
    marketplace = clean_marketplace(new.marketplace)
    name = clean_name(new.name, max_length=MAX_NAME_LENGTH)
    envelope = _JSON.encode(seal_credentials(clean_credentials(marketplace, new.credentials)))
    buffer = clean_safety_buffer(new.safety_buffer)
    async with engine().transaction():
        warehouse_ids = await _warehouse_ids(new.source_warehouses)
        try:
            row = await fetch_one(
                "INSERT INTO marketplace_account (marketplace, name, credentials, active, "
                "safety_buffer, restock_on_cancel, created_at, updated_at, "
                "credentials_updated_at) "
                "VALUES ({}, {}, {}::jsonb, true, {}, {}, now(), now(), now()) RETURNING id",
                marketplace.value,
                name,
                envelope.decode(),
                buffer,
                new.restock_on_cancel,
            )
        except asyncpg.UniqueViolationError:
            raise _name_taken(marketplace, name) from None
        assert row is not None
        account_id = int(row["id"])
        await _set_warehouses(account_id, warehouse_ids)
    logger.info("marketplace account %d (%s) created", account_id, marketplace.value)
    return await get_account(account_id)


def _current_credentials(marketplace: Marketplace, envelope: Any) -> Credentials | None:
    """The stored credentials, or None when they cannot be read (then all must be given)."""
    try:
        return open_credentials(marketplace, envelope)
    except CredentialsUnreadableError:
        return None


async def update_account(account_id: int, changes: AccountChanges) -> AccountRecord:
    """Rename, rotate credentials, change source warehouses, buffer or restock, in one go."""
    async with engine().transaction():
        row = await fetch_one(
            "SELECT marketplace, name, credentials FROM marketplace_account "
            "WHERE id = {} FOR UPDATE",
            account_id,
        )
        if row is None:
            raise _not_found(account_id)
        marketplace = Marketplace(row["marketplace"])
        sets, args = _changed_columns(marketplace, row, changes)
        if changes.source_warehouses is not None:
            await _set_warehouses(account_id, await _warehouse_ids(changes.source_warehouses))
        name = args[0] if changes.name is not None else row["name"]
        try:
            await fetch(
                f"UPDATE marketplace_account SET {', '.join(sets)} WHERE id = {{}}",
                *args,
                account_id,
            )
        except asyncpg.UniqueViolationError:
            raise _name_taken(marketplace, name) from None
    logger.info("marketplace account %d edited: %s", account_id, _changed_names(changes))
    return await get_account(account_id)


def _changed_columns(
    marketplace: Marketplace, row: Mapping[str, Any], changes: AccountChanges
) -> tuple[list[str], list[Any]]:
    """The SET clauses and their values for an edit (the name, if changed, comes first)."""
    sets: list[str] = []
    args: list[Any] = []
    if changes.name is not None:
        sets.append("name = {}")
        args.append(clean_name(changes.name, max_length=MAX_NAME_LENGTH))
    if changes.safety_buffer is not None:
        sets.append("safety_buffer = {}")
        args.append(clean_safety_buffer(changes.safety_buffer))
    if changes.restock_on_cancel is not None:
        sets.append("restock_on_cancel = {}")
        args.append(changes.restock_on_cancel)
    if changes.credentials is not None:
        current = _current_credentials(marketplace, row["credentials"])
        merged = merge_credentials(marketplace, current, changes.credentials)
        sets += ["credentials = {}::jsonb", "credentials_updated_at = now()"]
        args.append(_JSON.encode(seal_credentials(merged)).decode())
    sets.append("updated_at = now()")
    return sets, args


def _changed_names(changes: AccountChanges) -> str:
    """Which parts an edit touched, for the log (never the values)."""
    names = [name for name in changes.__struct_fields__ if getattr(changes, name) is not None]
    return ", ".join(names) or "nothing"


async def set_account_active(account_id: int, active: bool) -> AccountRecord:
    """Deactivate (the sync leaves the account alone) or activate an account again."""
    row = await fetch_one(
        "UPDATE marketplace_account SET active = {}, updated_at = now() WHERE id = {} RETURNING id",
        active,
        account_id,
    )
    if row is None:
        raise _not_found(account_id)
    logger.info("marketplace account %d %s", account_id, "activated" if active else "deactivated")
    return await get_account(account_id)
