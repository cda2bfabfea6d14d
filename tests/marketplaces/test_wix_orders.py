"""The Wix client's order search against the sandbox: cursor paging, filters, line items."""

from __future__ import annotations

import pytest

from server.marketplaces.wix import WixInputError
from server.sandboxes.wix.orders import OrderLineInput, PlaceOrderInput, place_order
from server.sandboxes.wix.state import iso
from tests.marketplaces.test_wix_harness import (
    SITE_V1,
    SITE_V3,
    WixEnv,
    clean_database,  # noqa: F401 - fixture
    wix_env,
)

SEARCH = "POST /ecom/v1/orders/search"


def _place(env: WixEnv, site_id: str, count: int, **kwargs: str) -> None:
    site = env.sandbox.sites[site_id]
    for _ in range(count):
        env.time.now += 1
        lines = [OrderLineInput(sku="TS-S", quantity=1), OrderLineInput(sku="MUG-BLUE", quantity=2)]
        place_order(env.sandbox, site, PlaceOrderInput(lines=lines, **kwargs))


@pytest.mark.parametrize("site_id", [SITE_V1, SITE_V3])
async def test_search_orders_pages_to_the_end(site_id: str) -> None:
    async with wix_env() as env:
        _place(env, site_id, 250)
        orders = await env.clients[site_id].search_orders()
    assert len(orders) == len({o.id for o in orders}) == 250
    assert env.count(SEARCH) == 3
    assert orders[0].number == "10250"  # newest first by default
    line = orders[0].line_items[0]
    assert line.is_stores_item and line.sku == "TS-S" and line.quantity == 1
    assert line.catalog_reference and line.catalog_reference.variant_id
    assert line.catalog_reference.catalog_item_id in env.sandbox.sites[site_id].products


async def test_filter_sort_and_page_size() -> None:
    async with wix_env() as env:
        _place(env, SITE_V3, 5)
        since = iso(env.time.wall())
        _place(env, SITE_V3, 4)
        _place(env, SITE_V3, 2, status="INITIALIZED")
        _place(env, SITE_V3, 1, payment_status="NOT_PAID")
        client = env.clients[SITE_V3]
        recent = await client.search_orders(
            {"createdDate": {"$gt": since}, "paymentStatus": "PAID"},
            [{"fieldName": "createdDate", "order": "ASC"}],
            page_size=2,
        )
        pages = [len(p.orders) async for p in client.iter_order_pages(page_size=5)]
        with pytest.raises(WixInputError):
            await client.search_orders(page_size=101)
        with pytest.raises(WixInputError):
            await client.search_orders(sort=[{"fieldName": "number"}] * 5)
    assert [o.number for o in recent] == ["10006", "10007", "10008", "10009"]
    assert all(o.status == "APPROVED" for o in recent)
    assert pages == [5, 5]  # 10 orders that are not INITIALIZED
