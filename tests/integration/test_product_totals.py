"""The total of a product search (`server.domain.product_totals`): exact while small, a recent
count for a large unfiltered catalogue, and "more than COUNT_CAP" for a broad filtered search."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.domain import product_totals
from server.domain.db import fetch
from server.domain.product_totals import COUNT_CAP
from tests.integration.accounts_helpers import add_products
from tests.integration.paging_helpers import product_page as _page


def _total(page: dict[str, Any]) -> tuple[int, bool, bool]:
    return page["total"], page["total_is_estimate"], page["total_is_capped"]


async def test_small_catalogue_totals_are_exact_on_every_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products([f"S-{n}" for n in range(1, 6)])
    assert _total(await _page(client, admin_headers)) == (5, False, False)
    await add_products(["S-6"])
    assert _total(await _page(client, admin_headers, limit=2)) == (6, False, False)
    assert _total(await _page(client, admin_headers, after="S-3")) == (6, False, False)
    assert _total(await _page(client, admin_headers, q="S-1")) == (1, False, False)


async def test_at_the_cap_a_total_is_still_exact(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products([f"C-{n:05d}" for n in range(1, COUNT_CAP + 1)])
    assert _total(await _page(client, admin_headers)) == (COUNT_CAP, False, False)
    assert _total(await _page(client, admin_headers, q="c-")) == (COUNT_CAP, False, False)
    await add_products(["C-X"])
    assert _total(await _page(client, admin_headers)) == (COUNT_CAP + 1, False, False)


async def test_broad_filtered_search_says_more_than_the_cap(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_products([f"W-{n:05d}" for n in range(1, COUNT_CAP + 21)])
    await fetch("UPDATE product SET is_sync_enabled = false WHERE sku <= 'W-00010'")
    broad = await _page(client, admin_headers, q="w-", limit=5)
    assert _total(broad) == (COUNT_CAP, False, True)
    assert [p["sku"] for p in broad["items"]] == [f"W-{n:05d}" for n in range(1, 6)]
    deep = await _page(client, admin_headers, q="w-", after="W-10015")
    assert _total(deep) == (COUNT_CAP, False, True) and len(deep["items"]) == 5
    narrow = await _page(client, admin_headers, sync_enabled="false")
    assert _total(narrow) == (10, False, False)
    combined = await _page(client, admin_headers, q="W-0000", sync_enabled="false")
    assert _total(combined) == (9, False, False)


async def test_large_catalogue_count_is_kept_briefly_and_marked(
    client: httpx.AsyncClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_products([f"L-{n:05d}" for n in range(1, COUNT_CAP + 51)])
    counted = COUNT_CAP + 50
    assert _total(await _page(client, admin_headers)) == (counted, False, False)
    await add_products(["L-NEW"])
    kept = await _page(client, admin_headers, after="L-00100")
    assert _total(kept) == (counted, True, False), "the kept count, marked as an estimate"
    searched = await _page(client, admin_headers, q="L-NEW")
    assert _total(searched) == (1, False, False), "a search counts for itself"
    monkeypatch.setattr(product_totals, "CACHE_SECONDS", 0.0)
    assert _total(await _page(client, admin_headers)) == (counted + 1, False, False)
    await fetch("DELETE FROM product WHERE sku > 'L-00003'")
    assert _total(await _page(client, admin_headers)) == (3, False, False)
    monkeypatch.undo()
    assert _total(await _page(client, admin_headers)) == (3, False, False), "small: not kept"
