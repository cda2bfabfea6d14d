"""The Wix sandbox's admin API, order search, seeding and the demo configuration."""

from __future__ import annotations

import json
from pathlib import Path

from server.sandboxes.wix import (
    DEMO_API_KEY,
    DEMO_SITES,
    create_wix_sandbox,
    demo_config,
    load_config,
    wix_sandbox_of,
)
from tests.marketplaces.test_wix_harness import (
    SITE_V1,
    SITE_V3,
    clean_database,  # noqa: F401 - fixture
    headers,
    wix_env,
)

SEARCH = "/ecom/v1/orders/search"


async def test_stock_change_on_the_marketplace_side_bumps_the_revision() -> None:
    async with wix_env() as env:
        before = (
            await env.raw.get(f"/_sandbox/sites/{SITE_V3}/stock", params={"sku": "TS-S"})
        ).json()
        changed = await env.raw.post(
            f"/_sandbox/sites/{SITE_V3}/stock", json={"sku": "TS-S", "quantity": 40}
        )
        unknown = await env.raw.post(
            f"/_sandbox/sites/{SITE_V3}/stock", json={"sku": "NOPE", "quantity": 1}
        )
        sites = (await env.raw.get("/_sandbox/sites")).json()
    assert before[0]["quantity"] == 3
    assert changed.json()["quantity"] == 40
    assert changed.json()["revision"] == before[0]["revision"] + 1
    assert unknown.status_code == 400
    assert {s["site_id"]: s["products"] for s in sites}[SITE_V1] == 6


async def test_orders_placed_searched_and_cancelled() -> None:
    async with wix_env() as env:
        placed = []
        for n in range(5):
            env.time.now += 10
            answer = await env.raw.post(
                f"/_sandbox/sites/{SITE_V3}/orders",
                json={
                    "lines": [{"sku": "TS-L", "quantity": 1}],
                    "status": "INITIALIZED" if n == 4 else "APPROVED",
                },
            )
            placed.append(answer.json())
        env.time.now += 10
        cancelled = await env.raw.post(f"/_sandbox/sites/{SITE_V3}/orders/{placed[0]['id']}/cancel")
        first = await env.raw.post(
            SEARCH, headers=headers(SITE_V3), json={"search": {"cursorPaging": {"limit": 3}}}
        )
        cursor = first.json()["metadata"]["cursors"]["next"]
        second = await env.raw.post(
            SEARCH,
            headers=headers(SITE_V3),
            json={"search": {"cursorPaging": {"limit": 3, "cursor": cursor}}},
        )
        canceled = await env.raw.post(
            SEARCH, headers=headers(SITE_V3), json={"search": {"filter": {"status": "CANCELED"}}}
        )
        stock = env.stock("V3")["TS-L"][0]["quantity"]
        one = await env.raw.get(f"/ecom/v1/orders/{placed[1]['id']}", headers=headers(SITE_V3))
    numbers = [o["number"] for o in first.json()["orders"] + second.json()["orders"]]
    assert numbers == ["10004", "10003", "10002", "10001"]  # newest first, INITIALIZED never shown
    assert (
        first.json()["metadata"]["hasNext"] is True
        and second.json()["metadata"]["hasNext"] is False
    )
    assert cancelled.json()["status"] == "CANCELED"
    assert [o["id"] for o in canceled.json()["orders"]] == [placed[0]["id"]]
    assert stock == 2  # 7 minus 5 orders: Wix takes ordered units out of its own stock
    line = one.json()["order"]["lineItems"][0]
    assert line["catalogReference"]["appId"] == "215238eb-22a5-4c36-9e7b-e7c08025e04e"
    assert line["physicalProperties"]["sku"] == "TS-L"
    assert line["catalogReference"]["options"]["variantId"]


async def test_reset_restores_the_seed_and_options_can_change() -> None:
    async with wix_env() as env:
        await env.raw.post(
            f"/_sandbox/sites/{SITE_V1}/stock", json={"sku": "MUG-BLUE", "quantity": 0}
        )
        await env.raw.post("/_sandbox/reset")
        options = (await env.raw.get("/_sandbox/options")).json()
        options["rate_limit_per_minute"] = 1
        await env.raw.put("/_sandbox/options", json=options)
        statuses = [
            (
                await env.raw.get("/stores/v3/provision/version", headers=headers(SITE_V1))
            ).status_code
            for _ in range(2)
        ]
    assert env.stock("V1")["MUG-BLUE"][0]["quantity"] == 5
    assert statuses == [200, 429]


async def test_demo_config_and_json_seed(tmp_path: Path) -> None:
    demo = demo_config(products=8)
    app = create_wix_sandbox(demo)
    sites = wix_sandbox_of(app).sites
    assert {s.catalog for s in sites.values()} == {"V1_CATALOG", "V3_CATALOG"}
    assert all(s.api_key == DEMO_API_KEY for s in sites.values())
    assert {s for s, _ in DEMO_SITES} == set(sites)
    v1 = sites[DEMO_SITES[0][0]]
    assert sum(len(p.variants) for p in v1.products.values()) == 8 + 2 * 2  # 2 of 8 with 3 variants
    seed = {
        "sites": [
            {
                "site_id": "s1",
                "api_key": "k1",
                "catalog": "V1_CATALOG",
                "products": [{"name": "Cup", "sku": "CUP", "quantity": 4}],
            }
        ],
        "time_scale": 2,
    }
    path = tmp_path / "wix.json"
    path.write_text(json.dumps(seed))
    loaded = load_config(path)
    assert loaded.time_scale == 2 and loaded.sites[0].products[0].sku == "CUP"
