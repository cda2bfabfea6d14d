"""The dashboard's product list pages by SKU: Next carries `after`, Previous `before`, old
`offset` links still work, and the total reads "about" or "more than" when it is not exact."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from server.domain.auth import create_session
from server.domain.product_totals import COUNT_CAP
from server.domain.users import UserRecord
from tests.integration.accounts_helpers import add_products

NEXT = re.compile(r'href="([^"]+)" rel="next"')
PREV = re.compile(r'href="([^"]+)" rel="prev"')
INFO = re.compile(r'<span class="pager-info">\s*(.*?)\s*</span>', re.S)
SKU_CELL = re.compile(r'data-cell="sku" href="[^"]+">([^<]+)</a>')


async def _cookie(user: UserRecord) -> dict[str, str]:
    token, _ = await create_session(user.id, timedelta(hours=1))
    return {"Cookie": f"sb_session={token}"}


async def _get(client: httpx.AsyncClient, cookie: dict[str, str], path: str) -> str:
    response = await client.get(path, headers=cookie)
    assert response.status_code == 200, response.text
    return response.text


def _link(pattern: re.Pattern[str], page: str) -> str | None:
    found = pattern.search(page)
    return html.unescape(found.group(1)) if found else None


def _info(page: str) -> str:
    found = INFO.search(page)
    assert found
    return html.unescape(found.group(1))


async def test_next_and_previous_page_by_sku(client: httpx.AsyncClient, admin: UserRecord) -> None:
    await add_products([f"N-{n:03d}" for n in range(1, 121)])
    cookie = await _cookie(admin)
    first = await _get(client, cookie, "/products")
    assert _info(first) == "Showing 1\u201350 of 120"
    assert _link(PREV, first) is None
    assert _link(NEXT, first) == "/products?after=N-050"
    second = await _get(client, cookie, "/products?after=N-050")
    assert _info(second) == "Showing 50 from N-051 to N-100 of 120"
    assert SKU_CELL.findall(second)[0] == "N-051"
    third = await _get(client, cookie, _link(NEXT, second) or "")
    assert SKU_CELL.findall(third) == [f"N-{n:03d}" for n in range(101, 121)]
    assert _link(NEXT, third) is None
    assert _link(PREV, third) == "/products?before=N-101"
    back = await _get(client, cookie, "/products?before=N-101")
    assert SKU_CELL.findall(back) == SKU_CELL.findall(second)
    assert _link(PREV, back) == "/products?before=N-051"
    start = await _get(client, cookie, "/products?before=N-051")
    assert _info(start) == "Showing 1\u201350 of 120" and _link(PREV, start) is None


async def test_filters_stay_in_the_links_and_offset_still_works(
    client: httpx.AsyncClient, admin: UserRecord
) -> None:
    await add_products([f"M-{n:03d}" for n in range(1, 121)])
    cookie = await _cookie(admin)
    found = await _get(client, cookie, "/products?q=m-&sync=on")
    assert _link(NEXT, found) == "/products?q=m-&sync=on&after=M-050"
    old = await _get(client, cookie, "/products?offset=50")
    assert _info(old) == "Showing 51\u2013100 of 120"
    assert _link(NEXT, old) == "/products?after=M-100"
    assert _link(PREV, old) == "/products?before=M-051"
    beyond = await _get(client, cookie, "/products?after=ZZZ")
    assert "No more products here" in beyond and 'href="/products"' in beyond
    refused = await client.get("/products?after=bad%20sku", headers=cookie)
    assert refused.status_code == 400


async def test_totals_that_are_not_exact_say_so(
    client: httpx.AsyncClient, admin: UserRecord
) -> None:
    await add_products([f"T-{n:05d}" for n in range(1, COUNT_CAP + 11)])
    cookie = await _cookie(admin)
    counted = await _get(client, cookie, "/products")
    assert f"{COUNT_CAP + 10:,} products" in counted
    await add_products(["T-NEW"])
    kept = await _get(client, cookie, "/products")
    assert f"about {COUNT_CAP + 10:,} products" in kept
    broad = await _get(client, cookie, "/products?q=t-")
    assert f"more than {COUNT_CAP:,} products match" in broad
    assert _info(broad) == f"Showing 1\u201350 of more than {COUNT_CAP:,}"
