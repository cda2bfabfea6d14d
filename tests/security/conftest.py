"""Fixtures of the security tests: a small seeded catalogue and a fingerprint of the data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from server.domain.connectors import CONNECTORS_STATE_KEY, MarketplaceConnectors
from tests.integration.accounts_helpers import ALLEGRO_CREDENTIALS, WIX_CREDENTIALS, app_of

UNFINGERPRINTED = frozenset({"api_token", "user_session", "app_user"})
"""Tables a read or a login writes to (token last use, sessions, last login): left out."""


@pytest.fixture(autouse=True)
async def no_marketplaces(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """No marketplace client on the app: account tests and auto-maps answer 503, and no request
    leaves this machine (the seeded accounts point at the real marketplaces)."""
    app = app_of(client)
    saved = app.state.get(CONNECTORS_STATE_KEY)
    app.state[CONNECTORS_STATE_KEY] = MarketplaceConnectors()
    try:
        yield
    finally:
        app.state[CONNECTORS_STATE_KEY] = saved


@dataclass(frozen=True)
class Seeded:
    """What `seeded` put in the database (ids match `routes.SAMPLE_VALUES`)."""

    skus: tuple[str, ...]
    wix_account_id: int
    allegro_account_id: int
    listing_id: int


@pytest.fixture
async def seeded(warehouses: list[str]) -> Seeded:
    """Three products with stock, a Wix and an Allegro account, one listing."""
    from server.domain import ledger
    from server.domain.accounts import NewAccount, create_account
    from server.domain.listings import NewListing, create_listing
    from server.domain.products import NewProduct, create_product
    from server.domain.refs import Actor

    actor = Actor(email="seed@example.com")
    skus = ("SKU-1", "SKU-2", "SB-00001")  # SB-00001: the schema's SKU example
    for n, sku in enumerate(skus, start=1):
        await create_product(NewProduct(sku=sku, name=f"Widget {n}"), actor=actor)
        await ledger.receive(sku, "A", 10 * n, actor=actor)
    wix = await create_account(
        NewAccount(
            marketplace="wix",
            name="Wix shop",
            credentials=dict(WIX_CREDENTIALS),
            source_warehouses=["A"],
        )
    )
    allegro = await create_account(
        NewAccount(
            marketplace="allegro",
            name="Allegro seller",
            credentials=dict(ALLEGRO_CREDENTIALS),
            source_warehouses=["A", "B"],
        )
    )
    listing = await create_listing(
        wix.id,
        NewListing(
            sku="SKU-1",
            wix_product_id="prod-1",
            wix_variant_id="00000000-0000-0000-0000-000000000000",
            wix_inventory_item_id="inv-1",
        ),
    )
    return Seeded(
        skus=skus, wix_account_id=wix.id, allegro_account_id=allegro.id, listing_id=listing.id
    )


async def data_fingerprint() -> dict[str, str]:
    """An md5 of every row of every table a write could change, by table."""
    from server.db.tables import ALL_TABLES
    from server.domain.db import fetch_one

    prints: dict[str, str] = {}
    for table in ALL_TABLES:
        name = table._meta.tablename
        if name in UNFINGERPRINTED:
            continue
        row = await fetch_one(
            f"SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f'AS digest FROM "{name}" t'
        )
        assert row is not None
        prints[name] = f"{row['n']}:{row['digest']}"
    return prints
