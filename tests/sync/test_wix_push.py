"""Wix pushes against the in-process sandbox: V1 relative/absolute, V3 bulk, conflicts, faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from server.sandboxes.common import FaultSettings
from server.sandboxes.wix import WixContractOptions, WixSandbox
from server.sandboxes.wix.admin import StockChange, apply_stock_change
from server.sync.outcomes import BatchResult
from server.sync.planner import Plan, PlannedListing, plan_wix, wix_state_from_rows
from server.sync.wix_push import push_wix_batch, read_wix_state
from tests.marketplaces.test_wix_harness import (
    SITE_V3,
    SITES,
    WixEnv,
    clean_database,  # noqa: F401 - fixture
    config,
    wix_env,
)

CATALOGS = pytest.mark.parametrize("catalog", ["V1", "V3"])
V1_INC = "POST /stores/v2/inventoryItems/increment"
V1_DEC = "POST /stores/v2/inventoryItems/decrement"
V1_QUERY = "POST /stores/v2/inventoryItems/query"
V1_PATCH = "PATCH /stores/v2/inventoryItems/product/{id}"
V3_BULK = "POST /stores/v3/bulk/inventory-items/update"
Wrap = Callable[[WixSandbox, httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


def rows_of(env: WixEnv, catalog: str) -> list[dict[str, Any]]:
    """Every tracked variant of the site (admin view), in a stable order."""
    rows = [row for group in env.stock(catalog).values() for row in group]
    return sorted(
        (r for r in rows if r["track_quantity"]), key=lambda r: (r["sku"], r["variant_id"])
    )


def listings_for(
    rows: list[dict[str, Any]], changes: int, delta: int | None = None
) -> list[PlannedListing]:
    """A listing per row; the first `changes` differ (by `delta`, or alternately up and down)."""
    listings = []
    for n, row in enumerate(rows):
        quantity = row["quantity"]
        if n < changes and delta is not None:
            quantity = max(0, quantity + delta)
        elif n < changes:
            quantity = quantity + 1 + n % 5 if n % 2 == 0 or quantity == 0 else quantity - 1
        listings.append(
            PlannedListing(
                listing_id=n + 1,
                sku=f"{row['sku']}#{n}",
                sellable=quantity,
                wix_product_id=row["product_id"],
                wix_variant_id=row["variant_id"],
                wix_inventory_item_id=row["inventory_item_id"],
            )
        )
    return listings


async def plan_for(env: WixEnv, catalog: str, listings: list[PlannedListing], size: int) -> Plan:
    """The read pass and the plan, as `sync_account` does it."""
    state = wix_state_from_rows(await env.client(catalog).get_all_stock())
    return plan_wix(listings, state, batch_size=size)


async def push(env: WixEnv, catalog: str, plan: Plan) -> list[BatchResult]:
    """Each batch: a fresh read (the caller would hold the SKU locks) and the push."""
    client, results = env.client(catalog), []
    for batch in plan.batches:
        fresh = await read_wix_state(client, batch)
        results.append(await push_wix_batch(client, batch, fresh))
    return results


def assert_converged(env: WixEnv, catalog: str, listings: list[PlannedListing]) -> None:
    now = {(p.id, v.id): v.quantity for p, v in env.sandbox.sites[SITES[catalog]].items()}
    keys = {x.sku: (x.wix_product_id or "", x.wix_variant_id or "") for x in listings}
    assert [(x.sku, now[keys[x.sku]]) for x in listings if now[keys[x.sku]] != x.sellable] == []


@CATALOGS
async def test_250_changes_take_the_fewest_writes(catalog: str) -> None:
    async with wix_env(config(generate=300, products=[])) as env:
        listings = listings_for(rows_of(env, catalog), 250)
        plan = await plan_for(env, catalog, listings, size=1000)
        assert len(plan.changed) == 250 and len(plan.in_sync) == len(listings) - 250
        [result] = await push(env, catalog, plan)
        assert_converged(env, catalog, listings)
    pushed = [(o.status, o.new_quantity, o.marketplace_quantity_before) for o in result.outcomes]
    assert pushed == [("COMPLETED", i.target, i.before) for i in plan.changed]
    if catalog == "V1":  # one increment and one decrement (<= 300 each), nothing else
        assert result.requests == 2 and result.by_route == {V1_INC: 1, V1_DEC: 1}
    else:  # ceil(250 / 1000) bulk updates
        assert result.requests == 1 and result.by_route == {V3_BULK: 1}


@CATALOGS
async def test_batches_of_100_cost_one_write_of_each_kind(catalog: str) -> None:
    async with wix_env(config(generate=300, products=[])) as env:
        listings = listings_for(rows_of(env, catalog), 250)
        results = await push(env, catalog, await plan_for(env, catalog, listings, size=100))
        assert_converged(env, catalog, listings)
    assert [r.requests for r in results] == ([2, 2, 2] if catalog == "V1" else [1, 1, 1])


async def test_v1_uses_one_patch_when_that_is_fewer_calls() -> None:
    async with wix_env() as env:
        rows = [r for r in rows_of(env, "V1") if r["sku"] in ("TS-S", "TS-M", "TS-L")]
        # One product, an increment and a decrement: 2 relative calls, or 1 PATCH.
        listings = listings_for(rows, 3)
        [result] = await push(env, "V1", await plan_for(env, "V1", listings, size=100))
        assert_converged(env, "V1", listings)
    assert result.by_route == {V1_PATCH: 1} and len(result.completed) == 3


async def test_fresh_state_decides_what_is_sent() -> None:
    async with wix_env() as env:
        rows = [r for r in rows_of(env, "V1") if r["sku"] in ("TS-S", "TS-L", "LAMP")]
        listings = listings_for(rows, 3, delta=2)  # LAMP 2 -> 4, TS-L 7 -> 9, TS-S 3 -> 5
        plan = await plan_for(env, "V1", listings, size=100)
        # Before the lock: LAMP reached its target by itself, TS-L lost a unit to a sale. The
        # deltas must come from the fresh read (TS-L +3, TS-S +2; LAMP not sent).
        edit(SITES["V1"], 4, "LAMP")(env.sandbox)
        edit(SITES["V1"], 6, "TS-L")(env.sandbox)
        fresh = await read_wix_state(env.client("V1"), plan.changed)
        result = await push_wix_batch(env.client("V1"), plan.changed, fresh)
        assert_converged(env, "V1", listings)
    assert [o.status for o in result.outcomes] == ["COMPLETED"] * 3
    assert [o.marketplace_quantity_before for o in result.outcomes] == [4, 6, 3]
    assert result.by_route == {V1_PATCH: 1}  # T-shirt only: a tie (1 call) goes to the PATCH


class Hooked(httpx.AsyncBaseTransport):
    """Meddles with the first `times` requests whose path ends with `suffix`.

    `before` runs first (e.g. a seller's edit in Wix); then the request reaches the sandbox
    unless `forward` is off; a `status` replaces the answer (e.g. a 504 after the change landed).
    """

    def __init__(
        self,
        sandbox: WixSandbox,
        inner: httpx.AsyncBaseTransport,
        suffix: str,
        *,
        times: int = 1,
        before: Callable[[WixSandbox], object] | None = None,
        status: int | None = None,
        forward: bool = True,
    ) -> None:
        self.sandbox, self.inner, self.suffix, self.times = sandbox, inner, suffix, times
        self.before, self.status, self.forward = before, status, forward

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(self.suffix) or self.times == 0:
            return await self.inner.handle_async_request(request)
        self.times -= 1
        if self.before is not None:
            self.before(self.sandbox)
        if self.forward:
            response = await self.inner.handle_async_request(request)
            if self.status is None:
                return response
            await response.aread()
        body = {"message": "refused in the test", "details": {}}
        return httpx.Response(self.status or 500, json=body)


def hooked(suffix: str, **options: Any) -> Wrap:
    return lambda sandbox, inner: Hooked(sandbox, inner, suffix, **options)


def edit(site_id: str, quantity: int, sku: str) -> Callable[[WixSandbox], object]:
    """A seller's stock edit in Wix's dashboard."""
    change = StockChange(sku=sku, quantity=quantity)
    return lambda sandbox: apply_stock_change(sandbox, sandbox.sites[site_id], change)


async def test_v1_lost_answer_is_re_read_never_applied_twice() -> None:
    async with wix_env(wrap=hooked("/inventoryItems/increment", status=504)) as env:
        listings = listings_for(rows_of(env, "V1"), 4)
        [result] = await push(env, "V1", await plan_for(env, "V1", listings, size=100))
        assert_converged(env, "V1", listings)
    assert all(o.status == "COMPLETED" for o in result.outcomes)
    assert env.count(V1_INC) == 1  # the landed increment was seen by the re-read, not re-sent


async def test_v1_failed_relative_write_is_recomputed_from_a_fresh_read() -> None:
    async with wix_env(config(generate=40, products=[])) as env:
        listings = listings_for(rows_of(env, "V1"), 30)
        plan = await plan_for(env, "V1", listings, size=100)
        fresh = await read_wix_state(env.client("V1"), plan.changed)
        env.sandbox.control.script("5xx")  # the increment fails and is not retried blindly
        result = await push_wix_batch(env.client("V1"), plan.changed, fresh)
        assert_converged(env, "V1", listings)
    assert all(o.status == "COMPLETED" for o in result.outcomes)
    assert result.by_route == {V1_INC: 2, V1_DEC: 1, V1_QUERY: 1}


async def test_v1_sale_during_the_push_is_absorbed_by_recomputing() -> None:
    hooks: list[Hooked] = []

    def wrap(sandbox: WixSandbox, inner: httpx.AsyncBaseTransport) -> Hooked:
        sale = edit(SITES["V1"], 0, "TS-L")  # sold out just before the decrement arrives
        hooks.append(Hooked(sandbox, inner, "/inventoryItems/decrement", times=0, before=sale))
        return hooks[0]

    async with wix_env(wrap=wrap) as env:
        listings = listings_for(rows_of(env, "V1"), 99, delta=-1)
        plan = await plan_for(env, "V1", listings, size=100)
        fresh = await read_wix_state(env.client("V1"), plan.changed)
        hooks[0].times = 1
        result = await push_wix_batch(env.client("V1"), plan.changed, fresh)
        assert_converged(env, "V1", listings)
    assert all(o.status == "COMPLETED" for o in result.outcomes)
    assert result.by_route == {V1_DEC: 2, V1_INC: 1, V1_QUERY: 1}  # recomputed, no PATCH


async def test_v1_refusal_that_persists_is_isolated_per_product() -> None:
    refuse = hooked("/inventoryItems/increment", times=99, status=400, forward=False)
    async with wix_env(wrap=refuse) as env:
        listings = listings_for(rows_of(env, "V1"), 6)
        [result] = await push(env, "V1", await plan_for(env, "V1", listings, size=100))
        assert_converged(env, "V1", listings)
    assert all(o.status == "COMPLETED" for o in result.outcomes)
    assert result.by_route[V1_INC] == 2 and result.by_route[V1_PATCH] >= 1


def racing(sku: str, n: int) -> Wrap:
    return hooked("/bulk/inventory-items/update", times=n, before=edit(SITE_V3, 99, sku))


@pytest.mark.parametrize("mode", ["request_409", "item"])
async def test_v3_stale_revision_is_re_read_and_retried(mode: str) -> None:
    options = WixContractOptions(v3_revision_conflict=mode)  # type: ignore[arg-type]
    async with wix_env(config(options=options), wrap=racing("EBOOK", 1)) as env:
        listings = listings_for(rows_of(env, "V3"), 5)
        plan = await plan_for(env, "V3", listings, size=100)
        # The read pass's revisions are used as they are (no fresh read for V3).
        state = wix_state_from_rows(await env.client("V3").get_all_stock())
        result = await push_wix_batch(env.client("V3"), plan.changed, state)
        assert_converged(env, "V3", listings)
    assert all(o.status == "COMPLETED" for o in result.outcomes)
    assert result.by_route[V3_BULK] == 2 and env.count(V3_BULK) == 2


async def test_v3_persistent_conflicts_fail_with_wix_words() -> None:
    async with wix_env(wrap=racing("EBOOK", 5)) as env:
        listings = listings_for(rows_of(env, "V3"), 5)
        plan = await plan_for(env, "V3", listings, size=100)
        state = wix_state_from_rows(await env.client("V3").get_all_stock())
        result = await push_wix_batch(env.client("V3"), plan.changed, state)
    assert {o.status for o in result.outcomes} == {"FAILED"}
    assert all("REVISION_MISMATCH" in (o.error or "") for o in result.outcomes)


@CATALOGS
async def test_vanished_and_untracked_items_fail_without_writes(catalog: str) -> None:
    async with wix_env() as env:
        listings = listings_for(rows_of(env, catalog), 3)
        plan = await plan_for(env, catalog, listings, size=100)
        gone, untracked, _kept = plan.changed
        change = StockChange(sku=untracked.sku.split("#")[0], track_quantity=False)
        apply_stock_change(env.sandbox, env.sandbox.sites[SITES[catalog]], change)
        fresh = await read_wix_state(env.client(catalog), plan.changed)
        fresh.pop(gone.wix_key)
        result = await push_wix_batch(env.client(catalog), plan.changed, fresh)
    assert [(o.status, o.error) for o in result.outcomes] == [
        ("FAILED", "item not found on Wix"),
        ("FAILED", "Wix does not track this item's quantity"),
        ("COMPLETED", None),
    ]
    assert result.requests == 1


@CATALOGS
async def test_429_and_5xx_delay_but_never_corrupt(catalog: str) -> None:
    faults = FaultSettings(share_429=0.15, share_5xx=0.2, seed=11)
    async with wix_env(config(generate=120, products=[]), attempts=5) as env:
        listings = listings_for(rows_of(env, catalog), 90)
        env.sandbox.control.set_faults(faults)
        for _ in range(3):  # the next reconciliation retries what failed
            plan = await plan_for(env, catalog, listings, size=40)
            if not plan.batches:
                break
            results = await push(env, catalog, plan)
            assert all(r.attempts >= r.requests for r in results)
        assert_converged(env, catalog, listings)
        assert env.sandbox.control.counters.count(V1_INC if catalog == "V1" else V3_BULK) > 0
    assert env.time.delays  # the faults cost (fake) time
