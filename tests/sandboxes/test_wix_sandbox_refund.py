"""The Wix sandbox's refunds and other apps' order lines (admin API), as order import reads them."""

from __future__ import annotations

from tests.marketplaces.test_wix_harness import (
    SITE_V3,
    clean_database,  # noqa: F401 - fixture
    headers,
    wix_env,
)

SEARCH = "/ecom/v1/orders/search"
GIFT_APP = "14bcded7-0066-7c35-14d7-466cb3f09103"


async def test_a_refund_keeps_the_order_approved_and_moves_updated_date() -> None:
    async with wix_env() as env:
        lines = [{"sku": "TS-L", "quantity": 2}, {"app_id": GIFT_APP, "product_id": "gift-1"}]
        placed = (
            await env.raw.post(f"/_sandbox/sites/{SITE_V3}/orders", json={"lines": lines})
        ).json()
        env.time.now += 30
        refunded = await env.raw.post(f"/_sandbox/sites/{SITE_V3}/orders/{placed['id']}/refund")
        missing = await env.raw.post(f"/_sandbox/sites/{SITE_V3}/orders/nope/refund")
        found = await env.raw.post(
            SEARCH,
            headers=headers(SITE_V3),
            json={
                "search": {
                    "filter": {
                        "paymentStatus": "FULLY_REFUNDED",
                        "updatedDate": {"$gt": placed["updatedDate"]},
                    },
                    "sort": [{"fieldName": "updatedDate", "order": "ASC"}],
                }
            },
        )
        stock = env.stock("V3")["TS-L"][0]["quantity"]
    body = refunded.json()
    assert (body["status"], body["paymentStatus"]) == ("APPROVED", "FULLY_REFUNDED")
    assert body["updatedDate"] > placed["updatedDate"]
    assert missing.status_code == 404
    assert [o["id"] for o in found.json()["orders"]] == [placed["id"]]
    assert stock == 5  # 7 minus 2 ordered; a refund puts nothing back by itself
    gift = body["lineItems"][1]
    assert gift["catalogReference"] == {"catalogItemId": "gift-1", "appId": GIFT_APP, "options": {}}
