"""The sync planner: only differing listings, batched by SKU; zero, ENDED and missing items."""

from __future__ import annotations

import msgspec
import pytest

from server.marketplaces.allegro.models import OffersPage
from server.marketplaces.wix.models import WixVariantStock
from server.sync.planner import (
    AllegroOfferState,
    PlanItem,
    PlannedListing,
    WixItemState,
    allegro_state_from_offers,
    merge_batches,
    plan_allegro,
    plan_wix,
    split_batches,
    wix_state_from_rows,
)


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """The planner is pure: no database."""


def wix_listing(n: int, sellable: int | None, sku: str | None = None) -> PlannedListing:
    return PlannedListing(
        listing_id=n,
        sku=sku or f"SKU-{n:04d}",
        sellable=sellable,
        wix_product_id=f"p{n}",
        wix_variant_id="v",
        wix_inventory_item_id=f"i{n}",
    )


def wix_item(n: int, quantity: int | None, *, tracked: bool = True) -> WixItemState:
    return WixItemState(
        product_id=f"p{n}",
        variant_id="v",
        inventory_item_id=f"i{n}",
        quantity=quantity,
        track_quantity=tracked,
        revision=str(n),
    )


def offer_listing(n: int, sellable: int | None) -> PlannedListing:
    return PlannedListing(
        listing_id=n, sku=f"SKU-{n:04d}", sellable=sellable, allegro_offer_id=str(1000 + n)
    )


def offer(n: int, available: int, status: str = "ACTIVE") -> tuple[str, AllegroOfferState]:
    return str(1000 + n), AllegroOfferState(
        offer_id=str(1000 + n), available=available, status=status
    )


def test_nothing_differs_nothing_is_planned() -> None:
    listings = [wix_listing(n, n) for n in range(5)]
    state = {w.key: w for w in (wix_item(n, n) for n in range(5))}
    plan = plan_wix(listings, state)
    assert plan.batches == [] and plan.problems == [] and plan.changed == []
    assert sorted(plan.in_sync) == [0, 1, 2, 3, 4]


def test_only_differing_listings_with_before_and_target() -> None:
    listings = [wix_listing(1, 4), wix_listing(2, 7), wix_listing(3, None), wix_listing(4, 0)]
    state = {w.key: w for w in (wix_item(1, 4), wix_item(2, 3), wix_item(3, 9), wix_item(4, None))}
    plan = plan_wix(listings, state)
    assert [(i.listing_id, i.before, i.target) for i in plan.changed] == [(2, 3, 7), (4, None, 0)]
    assert plan.changed[0].revision == "2" and plan.changed[0].wix_inventory_item_id == "i2"
    assert plan.in_sync == [1] and plan.left_alone == [3]


def test_targets_are_clamped_to_what_wix_can_show() -> None:
    state = {w.key: w for w in (wix_item(1, 5), wix_item(2, 5))}
    plan = plan_wix([wix_listing(1, 250_000), wix_listing(2, -3)], state)
    assert [i.target for i in plan.changed] == [99_999, 0]


def test_missing_unmapped_and_untracked_items_are_reported_never_pushed() -> None:
    unmapped = PlannedListing(listing_id=3, sku="X", sellable=1)
    listings = [wix_listing(1, 5), wix_listing(2, 5), unmapped]
    plan = plan_wix(listings, {wix_item(2, 1, tracked=False).key: wix_item(2, 1, tracked=False)})
    assert plan.changed == []
    assert [(p.listing_id, p.code, p.message) for p in plan.problems] == [
        (1, "NOT_FOUND", "item not found on Wix"),
        (2, "UNTRACKED", "Wix does not track this item's quantity"),
        (3, "NOT_MAPPED", "listing has no Wix product and variant id"),
    ]


def test_batches_hold_at_most_batch_size_skus_and_never_split_a_sku() -> None:
    listings = [wix_listing(n, n + 1) for n in range(250)]
    state = {w.key: w for w in (wix_item(n, n) for n in range(250))}
    plan = plan_wix(listings, state, batch_size=100)
    assert [len(b) for b in plan.batches] == [100, 100, 50]
    twins = [
        PlanItem(listing_id=n, sku=sku, target=1, before=0)
        for n, sku in enumerate(["A", "B", "A", "C", "B"])
    ]
    batches = split_batches(twins, 2)
    assert [[i.sku for i in b] for b in batches] == [["A", "A", "B", "B"], ["C"]]
    with pytest.raises(ValueError, match="at least 1"):
        split_batches(twins, 0)


def test_merge_batches_fills_an_api_limit() -> None:
    batches = [
        [PlanItem(listing_id=n, sku=str(n), target=1, before=0)] * size
        for n, size in enumerate([100, 100, 100, 50, 300])
    ]
    groups = merge_batches(batches, 300)
    assert [[len(b) for b in group] for group in groups] == [[100, 100, 100], [50], [300]]


def test_allegro_zero_ended_and_inactive() -> None:
    cases = {
        1: (offer(1, 5), 0),  # ACTIVE 5 -> 0: END
        2: (offer(2, 7, "ENDED"), 0),  # ENDED shows 0: in sync
        3: (offer(3, 3, "ENDED"), 3),  # ENDED shows 0, sellable 3: quantity then ACTIVATE
        4: (offer(4, 4, "INACTIVE"), 0),  # a draft is never ended
        5: (offer(5, 4, "INACTIVE"), 6),  # its stock follows sellable, no activation
        6: (offer(6, 4, "INACTIVE"), 4),
        7: (offer(7, 2, "ACTIVATING"), 2),
    }
    state = dict(pair for pair, _ in cases.values())
    plan = plan_allegro([offer_listing(n, s) for n, (_, s) in cases.items()], state)
    changed = {
        i.listing_id: (i.before, i.target, i.activate, i.allegro_status) for i in plan.changed
    }
    assert changed == {
        1: (5, 0, False, "ACTIVE"),
        3: (0, 3, True, "ENDED"),
        5: (4, 6, False, "INACTIVE"),
    }
    assert sorted(plan.in_sync) == [2, 4, 6, 7] and plan.problems == []


def test_allegro_offer_missing_from_the_read_is_a_failure_not_a_push() -> None:
    plan = plan_allegro([offer_listing(1, 3), offer_listing(2, 3)], dict([offer(2, 1)]))
    assert [i.listing_id for i in plan.changed] == [2]
    assert [(p.listing_id, p.code, p.message, p.sellable) for p in plan.problems] == [
        (1, "NOT_FOUND", "offer not found", 3)
    ]


def test_allegro_batches_are_ordered_by_target_so_each_spans_few_values() -> None:
    listings = [offer_listing(n, n % 4 + 1) for n in range(400)]
    state = dict(offer(n, 50) for n in range(400))
    plan = plan_allegro(listings, state, batch_size=100)
    assert [sorted({i.target for i in batch}) for batch in plan.batches] == [[1], [2], [3], [4]]


def test_states_from_the_read_pass() -> None:
    rows = [
        WixVariantStock(product_id="p", variant_id="v", inventory_item_id="i", quantity=3),
        WixVariantStock(product_id="p", variant_id="v", inventory_item_id="j", quantity=9),
        WixVariantStock(product_id="q", variant_id="v", inventory_item_id="", track_quantity=False),
    ]
    state = wix_state_from_rows(rows)
    assert state[("p", "v")].inventory_item_id == "i" and state[("p", "v")].quantity == 3
    assert state[("q", "v")].inventory_item_id is None and not state[("q", "v")].track_quantity
    page = msgspec.json.decode(
        b'{"offers": [{"id": "1", "stock": {"available": 4}, "publication": {"status": "ENDED"}},'
        b' {"id": "2"}], "count": 2, "totalCount": 2}',
        type=OffersPage,
    )
    offers = allegro_state_from_offers(page.offers)
    assert offers["1"] == AllegroOfferState(offer_id="1", available=4, status="ENDED")
    assert offers["2"] == AllegroOfferState(offer_id="2", available=0, status=None)
