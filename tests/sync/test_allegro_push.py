"""Allegro pushes against the in-process sandbox: commands per value, END, ACTIVATE, failures."""

from __future__ import annotations

from typing import Any

from server.marketplaces.allegro import Polling
from server.sandboxes.allegro import AllegroSandboxConfig, generate_seed
from server.sandboxes.common import FaultSettings
from server.sync.allegro_push import push_allegro_batch
from server.sync.outcomes import BatchResult
from server.sync.planner import Plan, PlannedListing, allegro_state_from_offers, plan_allegro
from tests.marketplaces.test_allegro_harness import (
    OTHER_SELLER,
    Env,
    allegro_env,
    clean_database,  # noqa: F401 - fixture
)

PUT_QUANTITY = "PUT /sale/offer-quantity-change-commands/{command_id}"
PUT_PUBLICATION = "PUT /sale/offer-publication-commands/{command_id}"
QUANTITY_TASKS = "GET /sale/offer-quantity-change-commands/{command_id}/tasks"
PUBLICATION_TASKS = "GET /sale/offer-publication-commands/{command_id}/tasks"


def listings_for(offers: list[Any], sellable: dict[str, int]) -> list[PlannedListing]:
    """A listing per offer; `sellable` by offer id, else what the offer shows now."""
    return [
        PlannedListing(
            listing_id=n + 1,
            sku=offer.external_id or f"NO-SKU-{n}",
            sellable=sellable.get(offer.id, 0 if offer.status == "ENDED" else offer.available),
            allegro_offer_id=offer.id,
        )
        for n, offer in enumerate(offers)
    ]


async def plan_for(env: Env, listings: list[PlannedListing], size: int = 100) -> Plan:
    """The read pass (`GET /sale/offers`, 1,000 a page) and the plan."""
    state = allegro_state_from_offers(await env.client.all_offers())
    return plan_allegro(listings, state, batch_size=size)


def by_status(env: Env, status: str) -> list[Any]:
    return [o for o in env.offers_of() if o.status == status]


async def test_one_command_per_value_zero_ends_restock_activates() -> None:
    async with allegro_env(seed=generate_seed(2, 40)) as env:
        active, ended = by_status(env, "ACTIVE"), by_status(env, "ENDED")
        if not ended:
            ended = [active.pop()]
            env.runtime.store.end(ended[0], "EMPTY_STOCK")
        sellable = {o.id: 5 for o in active[:4]} | {o.id: 9 for o in active[4:7]}
        sellable |= {active[7].id: 0, ended[0].id: 5}
        listings = listings_for(env.offers_of(), sellable)
        plan = await plan_for(env, listings)
        assert len(plan.changed) == 9 and plan.problems == []
        result = await push_allegro_batch(env.client, plan.changed)
        offers = {o.id: o for o in env.offers_of()}
        assert [o.status for o in result.outcomes] == ["COMPLETED"] * 9
        for offer_id, target in sellable.items():
            offer = offers[offer_id]
            shown = 0 if offer.status == "ENDED" else offer.available
            assert shown == target
        assert offers[active[7].id].status == "ENDED"
        assert (offers[ended[0].id].status, offers[ended[0].id].available) == ("ACTIVE", 5)
        # Values 5 (with the restock) and 9: two quantity commands; END and ACTIVATE.
        assert env.count(PUT_QUANTITY, 201) == 2 and env.count(PUT_PUBLICATION, 201) == 2
        assert env.count(QUANTITY_TASKS) == 2 and env.count(PUBLICATION_TASKS) == 2
    puts = sum(n for route, n in result.by_route.items() if route.startswith("PUT "))
    polls = sum(n for route, n in result.by_route.items() if route.startswith("GET "))
    assert puts == 4 and result.requests == puts + polls
    assert polls >= 8  # at least one summary and one task read per command
    before = {o.listing_id: o.marketplace_quantity_before for o in result.outcomes}
    assert before == {i.listing_id: i.before for i in plan.changed}


async def test_many_offers_with_one_value_go_in_commands_of_1000() -> None:
    async with allegro_env(seed=generate_seed(1, 1500)) as env:
        active = by_status(env, "ACTIVE")
        listings = listings_for(env.offers_of(), {o.id: 3 for o in active})
        plan = await plan_for(env, listings, size=2000)
        result = await push_allegro_batch(env.client, plan.changed)
        assert all(o.status == "COMPLETED" for o in result.outcomes)
        assert all(o.available == 3 for o in active)
        assert env.count(PUT_QUANTITY) == 2  # ceil(changed / 1000)
    assert result.requests == 2 + sum(
        n for route, n in result.by_route.items() if route.startswith("GET")
    )


async def test_failing_offer_is_reported_with_allegro_words() -> None:
    async with allegro_env() as env:
        mine = by_status(env, "ACTIVE")[:3]
        listings = listings_for(env.offers_of(), {o.id: 11 for o in mine})
        plan = await plan_for(env, listings)
        stranger = env.runtime.store.seller_by_login(OTHER_SELLER)
        assert stranger is not None
        mine[1].seller_id = stranger.id  # the offer left the account after the read pass
        result = await push_allegro_batch(env.client, plan.changed)
        assert mine[0].available == 11 and mine[2].available == 11
    statuses = {o.listing_id: (o.status, o.error) for o in result.outcomes}
    failing = next(i.listing_id for i in plan.changed if i.allegro_offer_id == mine[1].id)
    assert statuses.pop(failing) == ("FAILED", "OFFER_NOT_FOUND: Offer not found.")
    assert set(statuses.values()) == {("COMPLETED", None)}


async def test_offer_missing_from_the_read_is_never_pushed() -> None:
    async with allegro_env() as env:
        offer = by_status(env, "ACTIVE")[0]
        ghost = PlannedListing(listing_id=999, sku="GHOST", sellable=4, allegro_offer_id="1")
        plan = await plan_for(env, [*listings_for([offer], {offer.id: 4}), ghost])
        assert [(p.listing_id, p.message) for p in plan.problems] == [(999, "offer not found")]
        result = await push_allegro_batch(env.client, plan.changed)
    assert [o.status for o in result.outcomes] == ["COMPLETED"]
    assert env.count(PUT_QUANTITY) == 1


async def test_a_command_that_never_finishes_fails_its_listings() -> None:
    async with allegro_env(AllegroSandboxConfig(command_delay_s=10_000)) as env:
        env.client.polling = Polling(sleep=env.sleep, command_timeout_s=60)
        offer = by_status(env, "ACTIVE")[0]
        plan = await plan_for(env, listings_for([offer], {offer.id: offer.available + 1}))
        result = await push_allegro_batch(env.client, plan.changed)
    [outcome] = result.outcomes
    assert outcome.status == "FAILED" and "did not finish" in (outcome.error or "")


async def push_until_converged(env: Env, listings: list[PlannedListing]) -> list[BatchResult]:
    """Reconcile as the cron does: plan and push again while anything differs (≤ 3 times)."""
    results = []
    for _ in range(3):
        plan = await plan_for(env, listings, size=20)
        if not plan.batches:
            break
        for batch in plan.batches:
            results.append(await push_allegro_batch(env.client, batch))
    return results


async def test_429_and_5xx_delay_but_never_corrupt() -> None:
    faults = FaultSettings(share_429=0.1, share_5xx=0.2, seed=4, path_prefixes=["/sale/"])
    async with allegro_env(AllegroSandboxConfig(faults=faults), attempts=6) as env:
        offers = env.offers_of()
        sellable = {o.id: [0, 2, 7, 15][n % 4] for n, o in enumerate(offers)}
        listings = listings_for(offers, sellable)
        results = await push_until_converged(env, listings)
        for offer in env.offers_of():
            assert (0 if offer.status == "ENDED" else offer.available) == sellable[offer.id]
        assert all(o.status == "ACTIVE" for o in offers if sellable[o.id] > 0)
        statuses = env.runtime.control.counters.statuses
        faulted = sum(
            n for counts in statuses.values() for code, n in counts.items() if code >= 429
        )
    assert faulted > 0 and results
    assert sum(r.attempts for r in results) > sum(r.requests for r in results)
