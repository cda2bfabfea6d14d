"""Sellable quantity (DESIGN §4) against real PostgreSQL: the rule, who is left alone, the filters."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import timedelta

import httpx
import pytest

from server.domain.accounts import NewAccount, create_account, set_account_active
from server.domain.auth import create_session
from server.domain.db import fetch
from server.domain.sellable import (
    SellableListing,
    listings_for_sku,
    listings_for_skus,
    sellable_for_account,
    sellable_quantity,
)
from server.domain.users import UserRecord
from tests.integration.accounts_helpers import ALLEGRO_CREDENTIALS, WIX_CREDENTIALS, add_products


async def _account(marketplace: str, name: str, sources: Sequence[str], buffer: int = 0) -> int:
    credentials = WIX_CREDENTIALS if marketplace == "wix" else ALLEGRO_CREDENTIALS
    account = await create_account(
        NewAccount(
            marketplace=marketplace,
            name=name,
            credentials=credentials,
            source_warehouses=list(sources),
            safety_buffer=buffer,
        )
    )
    return account.id


async def _listings(account_id: int, skus: Sequence[str]) -> dict[str, int]:
    """One listing per SKU (Wix ids or an Allegro offer id, by the account's marketplace)."""
    rows = await fetch(
        "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, "
        "wix_inventory_item_id, allegro_offer_id, active, created_at, updated_at) "
        "SELECT a.id, s, CASE WHEN a.marketplace = 'wix' THEN 'wp-' || s END, "
        "CASE WHEN a.marketplace = 'wix' THEN 'wv-' || s END, "
        "CASE WHEN a.marketplace = 'wix' THEN 'wi-' || s END, "
        "CASE WHEN a.marketplace = 'allegro' THEN (7000000000 + a.id * 1000000 + n)::text END, "
        "true, now(), now() FROM marketplace_account a, "
        "unnest({}::text[]) WITH ORDINALITY AS t(s, n) WHERE a.id = {} RETURNING id, product",
        list(skus),
        account_id,
    )
    return {row["product"]: int(row["id"]) for row in rows}


async def _stock(sku: str, warehouse: str, quantity: int, reserved: int = 0) -> None:
    await fetch(
        "INSERT INTO stock (product, warehouse, quantity, reserved, updated_at) "
        "SELECT {}, id, {}, {}, now() FROM warehouse WHERE code = {}",
        sku,
        quantity,
        reserved,
        warehouse,
    )


def _by_sku(listings: list[SellableListing]) -> dict[str, int]:
    return {listing.sku: listing.sellable for listing in listings}


@pytest.fixture
async def catalogue(warehouses: list[str]) -> list[str]:
    skus = ["SKU-A", "SKU-B", "SKU-C"]
    await add_products(skus)
    await _stock("SKU-A", "A", 10, reserved=2)
    await _stock("SKU-A", "B", 7)
    await _stock("SKU-B", "A", 3, reserved=3)
    await _stock("SKU-B", "B", 50)
    return skus


def test_the_rule_in_python() -> None:
    assert sellable_quantity(10, 3) == 7
    assert sellable_quantity(2, 5) == 0
    assert sellable_quantity(-4, 0) == 0


async def test_buffer_reserved_and_source_warehouses_only(catalogue: list[str]) -> None:
    only_a = await _account("wix", "Only A", ["A"], buffer=3)
    both = await _account("allegro", "Both", ["A", "B"])
    ids = await _listings(only_a, catalogue)
    await _listings(both, catalogue)

    assert _by_sku(await sellable_for_account(only_a)) == {"SKU-A": 5, "SKU-B": 0, "SKU-C": 0}
    assert _by_sku(await sellable_for_account(both)) == {"SKU-A": 15, "SKU-B": 50, "SKU-C": 0}
    first = (await sellable_for_account(only_a))[0]
    assert first == SellableListing(
        listing_id=ids["SKU-A"],
        account_id=only_a,
        marketplace="wix",
        sku="SKU-A",
        wix_product_id="wp-SKU-A",
        wix_variant_id="wv-SKU-A",
        wix_inventory_item_id="wi-SKU-A",
        allegro_offer_id=None,
        last_pushed_quantity=None,
        last_seen_quantity=None,
        sellable=5,
    )


async def test_never_negative_even_when_reserved_exceeds_stock(catalogue: list[str]) -> None:
    big_buffer = await _account("wix", "Big buffer", ["A", "B"], buffer=100)
    await _listings(big_buffer, catalogue)
    await fetch("UPDATE stock SET reserved = quantity + 5 WHERE product = 'SKU-A'")
    assert _by_sku(await sellable_for_account(big_buffer)) == {"SKU-A": 0, "SKU-B": 0, "SKU-C": 0}


async def test_sync_disabled_and_inactive_listings_and_accounts_are_left_alone(
    catalogue: list[str],
) -> None:
    wix = await _account("wix", "Shop", ["A", "B"])
    allegro = await _account("allegro", "Seller", ["B"])
    wix_ids = await _listings(wix, catalogue)
    await _listings(allegro, catalogue)
    await fetch("UPDATE product SET is_sync_enabled = false WHERE sku = 'SKU-B'")
    await fetch("UPDATE listing SET active = false WHERE id = {}", wix_ids["SKU-C"])

    assert _by_sku(await sellable_for_account(wix)) == {"SKU-A": 15}
    assert _by_sku(await sellable_for_account(allegro)) == {"SKU-A": 7, "SKU-C": 0}
    assert [x.account_id for x in await listings_for_sku("SKU-C")] == [allegro]
    assert await listings_for_sku("SKU-B") == []

    await set_account_active(allegro, False)
    assert await sellable_for_account(allegro) == []
    assert await listings_for_sku("SKU-C") == []
    assert [x.account_id for x in await listings_for_sku("SKU-A")] == [wix]


async def test_filters_by_sku_and_listing(catalogue: list[str]) -> None:
    wix = await _account("wix", "Shop", ["A"])
    other = await _account("wix", "Other shop", ["B"])
    ids = await _listings(wix, catalogue)
    other_ids = await _listings(other, catalogue)

    by_sku = await sellable_for_account(wix, skus=["SKU-B", "SKU-A", "SKU-A", "NOPE"])
    assert [(x.sku, x.sellable) for x in by_sku] == [("SKU-A", 8), ("SKU-B", 0)]
    by_id = await sellable_for_account(wix, listing_ids=[ids["SKU-C"], other_ids["SKU-A"]])
    assert [x.listing_id for x in by_id] == [ids["SKU-C"]]
    both = await sellable_for_account(wix, skus=["SKU-A"], listing_ids=[ids["SKU-B"]])
    assert both == []
    assert await sellable_for_account(wix, skus=[]) == []
    assert await sellable_for_account(wix, listing_ids=[]) == []
    assert await sellable_for_account(999_999) == []


async def test_listings_for_skus_cover_every_account(catalogue: list[str]) -> None:
    wix = await _account("wix", "Shop", ["A"], buffer=1)
    allegro = await _account("allegro", "Seller", ["A", "B"])
    await _listings(wix, catalogue)
    await _listings(allegro, catalogue[:2])

    one = await listings_for_sku("SKU-A")
    assert [(x.account_id, x.marketplace, x.sellable) for x in one] == [
        (wix, "wix", 7),
        (allegro, "allegro", 15),
    ]
    assert one[1].allegro_offer_id is not None and one[1].wix_product_id is None
    many = await listings_for_skus(["SKU-C", "SKU-B"])
    assert [(x.sku, x.account_id, x.sellable) for x in many] == [
        ("SKU-B", wix, 0),
        ("SKU-B", allegro, 50),
        ("SKU-C", wix, 0),
    ]
    assert await listings_for_skus([]) == []


async def test_last_quantities_come_along(catalogue: list[str]) -> None:
    wix = await _account("wix", "Shop", ["A"])
    ids = await _listings(wix, catalogue)
    await fetch(
        "UPDATE listing SET last_pushed_quantity = 4, last_seen_quantity = 6 WHERE id = {}",
        ids["SKU-A"],
    )
    (listing,) = await sellable_for_account(wix, skus=["SKU-A"])
    assert (listing.last_pushed_quantity, listing.last_seen_quantity) == (4, 6)


async def test_performance_sanity(warehouses: list[str]) -> None:
    """20,000 products x 4 accounts; timings are printed (run with -s), not asserted."""
    count = 20_000
    skus = [f"PERF-{n:06d}" for n in range(count)]
    await add_products(skus)
    await fetch(
        "INSERT INTO stock (product, warehouse, quantity, reserved, updated_at) "
        "SELECT p.sku, w.id, (hashtext(p.sku || w.code) & 63), (hashtext(w.code || p.sku) & 3), "
        "now() FROM product p CROSS JOIN warehouse w"
    )
    accounts = [
        await _account("wix", "W1", ["A"], buffer=1),
        await _account("wix", "W2", ["A", "B"]),
        await _account("allegro", "A1", ["B"], buffer=2),
        await _account("allegro", "A2", ["A", "B"]),
    ]
    for account in accounts:
        await _listings(account, skus)
    await fetch("ANALYZE")
    started = time.perf_counter()
    for account in accounts:
        assert len(await sellable_for_account(account)) == count
    whole = time.perf_counter() - started
    started = time.perf_counter()
    assert len(await sellable_for_account(accounts[0], skus=skus[5000:5100])) == 100
    batch = time.perf_counter() - started
    started = time.perf_counter()
    assert len(await listings_for_sku(skus[4242])) == 4
    one = time.perf_counter() - started
    print(  # noqa: T201
        f"\nsellable: {count:,} listings x 4 accounts in {whole:.2f} s "
        f"({whole / 4:.2f} s per account), 100 SKUs in {batch * 1000:.1f} ms, "
        f"one SKU across accounts in {one * 1000:.1f} ms"
    )


async def test_page_and_api_show_the_pushed_figure_when_one_warehouse_is_over_reserved(
    client: httpx.AsyncClient,
    admin: UserRecord,
    admin_headers: dict[str, str],
    warehouses: list[str],
) -> None:
    """A holds 2 with 5 reserved: its 3 missing units come out of B's 10, everywhere alike."""
    await add_products(["SKU-X"])
    await _stock("SKU-X", "A", 2, reserved=5)
    await _stock("SKU-X", "B", 10)
    both = await _account("allegro", "Both", ["A", "B"])
    await _listings(both, ["SKU-X"])
    pushed = _by_sku(await sellable_for_account(both))["SKU-X"]
    assert pushed == 7
    assert [x.sellable for x in await listings_for_sku("SKU-X")] == [pushed]

    product = (await client.get("/api/products/SKU-X", headers=admin_headers)).json()
    assert (product["total_reserved"], product["total_available"]) == (5, pushed)
    stock = (await client.get("/api/products/SKU-X/stock", headers=admin_headers)).json()
    assert {line["warehouse"]: line["available"] for line in stock} == {"A": -3, "B": 10}

    token, _ = await create_session(admin.id, timedelta(hours=1))
    page = await client.get("/products/SKU-X", headers={"Cookie": f"sb_session={token}"})
    assert page.status_code == 200
    shown = re.search(r'data-testid="total-available">([\d,]+)<', page.text)
    assert shown is not None and int(shown.group(1).replace(",", "")) == pushed
    footer = re.search(r"<tfoot>.*?</tfoot>", page.text, re.S)
    assert footer is not None
    assert footer.group(0).count(f'<span class="num">{pushed}</span>') == 1
