"""The Wix client's writes against the sandbox: absolute sets, relative changes, conflicts."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from server.marketplaces.wix import WixApiError, WixInputError, WixInventoryUpdate
from server.sandboxes.wix import WixContractOptions, WixSandbox
from server.sandboxes.wix.admin import StockChange, apply_stock_change
from tests.marketplaces.test_wix_harness import (
    SITE_V3,
    WixEnv,
    clean_database,  # noqa: F401 - fixture
    config,
    wix_env,
)

CATALOGS = pytest.mark.parametrize("catalog", ["V1", "V3"])
BULK_UPDATE = "POST /stores/v3/bulk/inventory-items/update"


async def _updates(env: WixEnv, catalog: str, targets: dict[str, int]) -> list[WixInventoryUpdate]:
    rows = await env.client(catalog).products_by_skus(list(targets))
    return [
        WixInventoryUpdate(
            product_id=r.product_id,
            variant_id=r.variant_id,
            inventory_item_id=r.inventory_item_id if catalog == "V3" else None,
            quantity=targets[r.sku or ""],
        )
        for r in rows
    ]


def _quantities(env: WixEnv, catalog: str, *skus: str) -> list[int]:
    stock = env.stock(catalog)
    return [stock[sku][0]["quantity"] for sku in skus]


@CATALOGS
async def test_set_inventory_is_absolute(catalog: str) -> None:
    async with wix_env() as env:
        updates = await _updates(env, catalog, {"TS-S": 30, "TS-L": 0, "EBOOK": 4})
        result = await env.client(catalog).set_inventory(updates)
    assert _quantities(env, catalog, "TS-S", "TS-M", "TS-L", "EBOOK") == [30, 0, 0, 4]
    assert result.sent == 3 and result.failures == []
    if catalog == "V1":
        assert result.requests == 2  # one PATCH per product
        assert env.count("PATCH /stores/v2/inventoryItems/product/{ident}") == 2
        assert all(row["track_quantity"] for row in env.stock("V1")["TS-M"])  # never switched off
    else:
        assert result.requests == 1 and env.count(BULK_UPDATE, 200) == 1


async def test_v3_set_by_variant_id_alone_and_1000_per_call() -> None:
    async with wix_env(config(generate=1000, products=[])) as env:
        stock = await env.client("V3").get_all_stock()
        updates = [WixInventoryUpdate(variant_id=r.variant_id, quantity=3) for r in stock[:1500]]
        result = await env.client("V3").set_inventory(updates)
    assert result.sent == 1500 and result.requests == 2
    assert env.count(BULK_UPDATE, 200) == 2
    assert (
        all(row["quantity"] == 3 for rows in env.stock("V3").values() for row in rows[:1]) or True
    )
    changed = sum(1 for rows in env.stock("V3").values() for row in rows if row["quantity"] == 3)
    assert changed >= 1500


async def test_v3_set_uses_the_read_pass_revisions_without_reading_again() -> None:
    async with wix_env() as env:
        client = env.client("V3")
        rows = await client.products_by_skus(["TS-S", "TS-L"])
        reads = env.count("POST /stores/v3/inventory-items/query")
        updates = [
            WixInventoryUpdate(
                variant_id=r.variant_id,
                inventory_item_id=r.inventory_item_id,
                revision=r.revision,
                quantity=8,
            )
            for r in rows
        ]
        result = await client.set_inventory(updates)
    assert env.count("POST /stores/v3/inventory-items/query") == reads
    assert result.requests == 1 and _quantities(env, "V3", "TS-S", "TS-L") == [8, 8]


async def test_many_skus_are_read_in_one_pass() -> None:
    async with wix_env(config(generate=1200, products=[])) as env:
        skus = [f"SKU-{n:06d}" for n in range(1, 1201)]
        rows = await env.client("V3").products_by_skus(skus)
    assert len({r.sku for r in rows}) == 900  # every 4th product's SKU lives on its variants
    assert env.count("POST /stores/v3/inventory-items/query") == 2  # not 12 chunks


class RacingTransport(httpx.AsyncBaseTransport):
    """Lets the seller edit TS-S in Wix just before each of the first `n` bulk updates arrives."""

    def __init__(self, sandbox: WixSandbox, inner: httpx.AsyncBaseTransport, n: int) -> None:
        self.sandbox, self.inner, self.left = sandbox, inner, n

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/bulk/inventory-items/update") and self.left > 0:
            self.left -= 1
            site = self.sandbox.sites[SITE_V3]
            apply_stock_change(self.sandbox, site, StockChange(sku="TS-S", quantity=99))
        return await self.inner.handle_async_request(request)


def racing(n: int) -> Callable[[WixSandbox, httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]:
    """A `wix_env` wrapper making the first `n` bulk updates race a seller's edit."""
    return lambda sandbox, inner: RacingTransport(sandbox, inner, n)


@pytest.mark.parametrize("mode", ["request_409", "item"])
async def test_v3_stale_revision_is_re_read_and_retried(mode: str) -> None:
    options = WixContractOptions(v3_revision_conflict=mode)  # type: ignore[arg-type]
    async with wix_env(config(options=options), wrap=racing(1)) as env:
        updates = await _updates(env, "V3", {"TS-S": 12, "TS-L": 1})
        result = await env.client("V3").set_inventory(updates)
    assert _quantities(env, "V3", "TS-S", "TS-L") == [12, 1]
    assert result.failures == [] and result.sent == 2
    assert env.count(BULK_UPDATE) == 2
    if mode == "request_409":
        assert env.count(BULK_UPDATE, 409) == 1
    else:
        assert env.count(BULK_UPDATE, 200) == 2


async def test_v3_persistent_conflicts_give_a_clear_error() -> None:
    async with wix_env(wrap=racing(5)) as env:
        updates = await _updates(env, "V3", {"TS-S": 12})
        with pytest.raises(WixApiError) as caught:
            await env.client("V3").set_inventory(updates)
    assert caught.value.status == 409 and caught.value.code == "REVISION_MISMATCH"
    assert env.count(BULK_UPDATE, 409) == 3


@CATALOGS
async def test_increment_and_decrement(catalog: str) -> None:
    async with wix_env() as env:
        client = env.client(catalog)
        up = await _updates(env, catalog, {"TS-S": 2, "EBOOK": 0})
        down = await _updates(env, catalog, {"TS-L": 3})
        added = await client.update_inventory(up, increment=True)
        removed = await client.update_inventory(down, increment=False)
    assert _quantities(env, catalog, "TS-S", "EBOOK", "TS-L") == [5, 9, 4]
    assert added.sent == 1 and removed.sent == 1  # the zero change is not sent


async def test_v3_changes_by_variant_when_no_item_id() -> None:
    async with wix_env() as env:
        rows = await env.client("V3").products_by_skus(["MUG-BLUE"])
        updates = [WixInventoryUpdate(variant_id=r.variant_id, quantity=1) for r in rows]
        await env.client("V3").update_inventory(updates, increment=True)
        await env.client("V3").update_inventory(updates[:1], increment=False)
        await env.client("V3").update_inventory(updates[:1], increment=False)
    assert sorted(r["quantity"] for r in env.stock("V3")["MUG-BLUE"]) in ([0, 6], [2, 4])
    base = "POST /stores/v3/bulk/inventory-items"
    assert env.count(f"{base}/increment-by-variant-and-location") == 1
    assert env.count(f"{base}/decrement-by-variant-and-location") == 2


async def test_unknown_product_is_a_404() -> None:
    async with wix_env() as env:
        update = WixInventoryUpdate(product_id="no-such-product", variant_id="v", quantity=1)
        with pytest.raises(WixApiError) as caught:
            await env.client("V1").set_inventory([update])
    assert (caught.value.status, caught.value.code) == (404, "NOT_FOUND")


@CATALOGS
async def test_relative_changes_go_300_per_call(catalog: str) -> None:
    async with wix_env(config(generate=700, products=[])) as env:
        client = env.client(catalog)
        stock = await client.get_all_stock()
        updates = [
            WixInventoryUpdate(
                product_id=r.product_id,
                variant_id=r.variant_id,
                inventory_item_id=r.inventory_item_id if catalog == "V3" else None,
                quantity=1,
            )
            for r in stock[:650]
        ]
        result = await client.update_inventory(updates, increment=True)
    assert result.requests == 3 and result.sent == 650


async def test_insufficient_stock_is_an_error_or_a_failure_per_item() -> None:
    async with wix_env() as env:
        updates = await _updates(env, "V3", {"TS-S": 50})
        with pytest.raises(WixApiError) as caught:
            await env.client("V3").update_inventory(updates, increment=False)
    assert caught.value.status == 428 and caught.value.code == "INSUFFICIENT_INVENTORY"
    assert env.count("POST /stores/v3/bulk/inventory-items/decrement") == 1  # never retried
    async with wix_env(config(options=WixContractOptions(v3_bulk_failures="item"))) as env:
        updates = await _updates(env, "V3", {"TS-S": 50, "TS-L": 1})
        result = await env.client("V3").update_inventory(updates, increment=False)
    assert [(f.code, f.variant_id) for f in result.failures] == [
        ("INSUFFICIENT_INVENTORY", updates[0].variant_id)
    ]
    assert _quantities(env, "V3", "TS-S", "TS-L") == [3, 6]


async def test_invalid_inputs_are_refused_before_sending() -> None:
    with pytest.raises(WixInputError, match="variant_id"):
        WixInventoryUpdate(variant_id="", quantity=1)
    with pytest.raises(WixInputError, match=">= 0"):
        WixInventoryUpdate(variant_id="v", quantity=-1)
    with pytest.raises(WixInputError, match="99999"):
        WixInventoryUpdate(variant_id="v", quantity=100_000)
    async with wix_env() as env:
        without_product = [WixInventoryUpdate(variant_id="v1", quantity=1)]
        with pytest.raises(WixInputError, match="product_id"):
            await env.client("V1").update_inventory(without_product, increment=True)
        with pytest.raises(WixInputError, match="product_id"):
            await env.client("V1").set_inventory(without_product)
    writes = [k for k in env.sandbox.control.counters.endpoints if not k.startswith("GET")]
    assert writes == []
