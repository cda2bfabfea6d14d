"""Accounts, listings and stock for the order tests, made through the domain."""

from __future__ import annotations

from collections.abc import Sequence

from server.domain import ledger
from server.domain.accounts import NewAccount, create_account
from server.domain.db import fetch, fetch_one
from server.domain.listings import NewListing, create_listing
from server.domain.refs import Actor
from tests.integration.accounts_helpers import ALLEGRO_CREDENTIALS, WIX_CREDENTIALS, add_products

ACTOR = Actor(email="tests@example.com", source="test")


async def allegro_account(warehouses: Sequence[str] = ("A", "B"), name: str = "Seller") -> int:
    """An Allegro account fed by `warehouses`, first one first."""
    account = await create_account(
        NewAccount(
            marketplace="allegro",
            name=name,
            credentials=ALLEGRO_CREDENTIALS,
            source_warehouses=list(warehouses),
        )
    )
    return account.id


async def wix_account(warehouses: Sequence[str] = ("A",), name: str = "Shop") -> int:
    """A Wix account fed by `warehouses`."""
    account = await create_account(
        NewAccount(
            marketplace="wix",
            name=name,
            credentials=WIX_CREDENTIALS,
            source_warehouses=list(warehouses),
        )
    )
    return account.id


async def stocked_offer(account_id: int, sku: str, offer_id: str, stock: dict[str, int]) -> None:
    """A product listed as an Allegro offer, with stock per warehouse."""
    if await fetch_one("SELECT id FROM product WHERE sku = {}", sku) is None:
        await add_products([sku])
    await create_listing(account_id, NewListing(sku=sku, allegro_offer_id=offer_id))
    for warehouse, quantity in stock.items():
        if quantity:
            await ledger.receive(sku, warehouse, quantity, actor=ACTOR)


async def quantity(sku: str, warehouse: str) -> int:
    """Units of a SKU in one warehouse (0 without a stock row)."""
    row = await fetch_one(
        "SELECT s.quantity FROM stock s JOIN warehouse w ON w.id = s.warehouse "
        "WHERE s.product = {} AND w.code = {}",
        sku,
        warehouse,
    )
    return 0 if row is None else int(row["quantity"])


async def operations(kind: str) -> int:
    """How many operations of one type were recorded."""
    rows = await fetch("SELECT count(*) AS n FROM operation WHERE type = {}", kind)
    return int(rows[0]["n"])
