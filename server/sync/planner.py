"""Planning a sync: which listings differ from what the marketplace shows, in batches (no I/O).

Input: the account's listings with their sellable quantity (`PlannedListing`, `sellable=None`
meaning "leave it alone") and the marketplace state of the one read pass (`WixItemState` per
(product id, variant id), `AllegroOfferState` per offer id). Output: a `Plan` whose batches hold
only the listings to push (≤ `batch_size` SKUs each, all listings of a SKU in the same batch,
so a batch can take its SKU locks), each `PlanItem` carrying the quantity shown before and the
target; listings whose item the read did not find, or cannot take a quantity, are `problems`
(reported, never pushed).

What an Allegro offer shows (DESIGN §4, contract §5, §6): an ENDED offer shows 0 whatever its stock
(target 0: in sync; target ≥ 1: quantity command, then ACTIVATE); an INACTIVE offer (never
published) is not for sale and is never ended or activated: its stock follows sellable while
sellable ≥ 1. Allegro items are ordered by target before batching, so a batch spans few values
and needs few quantity commands (one per value).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

import msgspec

from server.marketplaces.allegro.models import Offer
from server.marketplaces.wix.models import MAX_QUANTITY, WixVariantStock

DEFAULT_BATCH_SIZE = 100
"""`SYNC_BATCH_SIZE`: SKUs per batch (DESIGN §5)."""
WIX_V1_RELATIVE_LIMIT = 300
"""Items per V1 increment or decrement call."""
WIX_V3_BULK_LIMIT = 1000
"""Items per V3 bulk update."""
ALLEGRO_COMMAND_LIMIT = 1000
"""Offers per Allegro command."""
WixKey = tuple[str, str]
"""A Wix item: (product id, variant id)."""
ProblemCode = Literal["NOT_FOUND", "NOT_MAPPED", "UNTRACKED"]


class PlannedListing(msgspec.Struct, kw_only=True, frozen=True):
    """A listing as the planner needs it; `sellable=None` leaves it alone."""

    listing_id: int
    sku: str
    sellable: int | None
    wix_product_id: str | None = None
    wix_variant_id: str | None = None
    wix_inventory_item_id: str | None = None
    allegro_offer_id: str | None = None


class WixItemState(msgspec.Struct, kw_only=True, frozen=True):
    """One Wix variant's stock as read (`revision`: V3 only; `quantity` None when absent)."""

    product_id: str
    variant_id: str
    inventory_item_id: str | None = None
    quantity: int | None = None
    track_quantity: bool = True
    revision: str | None = None

    @property
    def key(self) -> WixKey:
        """(product id, variant id)."""
        return (self.product_id, self.variant_id)


class AllegroOfferState(msgspec.Struct, kw_only=True, frozen=True):
    """One Allegro offer as read: `stock.available` and `publication.status`."""

    offer_id: str
    available: int
    status: str | None = None


class PlanItem(msgspec.Struct, kw_only=True, frozen=True):
    """One listing to push: the quantity the marketplace shows (`before`) and the `target`.

    `activate` marks an ENDED Allegro offer going back on sale (quantity, then ACTIVATE).
    """

    listing_id: int
    sku: str
    target: int
    before: int | None
    wix_product_id: str | None = None
    wix_variant_id: str | None = None
    wix_inventory_item_id: str | None = None
    revision: str | None = None
    allegro_offer_id: str | None = None
    allegro_status: str | None = None
    activate: bool = False

    @property
    def wix_key(self) -> WixKey:
        """(product id, variant id) of a Wix item."""
        return (self.wix_product_id or "", self.wix_variant_id or "")


class PlanProblem(msgspec.Struct, kw_only=True, frozen=True):
    """A listing that cannot be pushed (reported as FAILED, never sent)."""

    listing_id: int
    sku: str
    code: ProblemCode
    message: str
    sellable: int | None = None
    before: int | None = None


class Plan(msgspec.Struct, kw_only=True):
    """What a sync must push, in batches, and what it must report."""

    batches: list[list[PlanItem]] = msgspec.field(default_factory=list)
    problems: list[PlanProblem] = msgspec.field(default_factory=list)
    in_sync: list[int] = msgspec.field(default_factory=list)
    left_alone: list[int] = msgspec.field(default_factory=list)

    @property
    def changed(self) -> list[PlanItem]:
        """Every item to push, batch after batch."""
        return [item for batch in self.batches for item in batch]


def wix_state_from_rows(rows: Iterable[WixVariantStock]) -> dict[WixKey, WixItemState]:
    """The read pass's rows (`WixClient.get_all_stock`) keyed by (product id, variant id).

    V3 keeps one inventory item per variant and location; the first row of a variant is kept.
    """
    state: dict[WixKey, WixItemState] = {}
    for row in rows:
        item = WixItemState(
            product_id=row.product_id,
            variant_id=row.variant_id,
            inventory_item_id=row.inventory_item_id or None,
            quantity=row.quantity,
            track_quantity=row.track_quantity,
            revision=row.revision,
        )
        state.setdefault(item.key, item)
    return state


def allegro_state_from_offers(offers: Iterable[Offer]) -> dict[str, AllegroOfferState]:
    """The read pass's offers (`AllegroClient.all_offers`) keyed by offer id."""
    return {
        offer.id: AllegroOfferState(
            offer_id=offer.id, available=offer.available, status=offer.status
        )
        for offer in offers
    }


def allegro_shown(state: AllegroOfferState, target: int) -> int:
    """The quantity an offer counts as showing when compared with `target` (module docstring)."""
    hidden = state.status == "ENDED" or (state.status == "INACTIVE" and target == 0)
    return 0 if hidden else state.available


def split_batches(items: Sequence[PlanItem], batch_size: int) -> list[list[PlanItem]]:
    """`items` (order kept) in batches of ≤ `batch_size` distinct SKUs, a SKU never split."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    by_sku: dict[str, list[PlanItem]] = {}
    for item in items:
        by_sku.setdefault(item.sku, []).append(item)
    groups = list(by_sku.values())
    return [
        [item for group in groups[start : start + batch_size] for item in group]
        for start in range(0, len(groups), batch_size)
    ]


def merge_batches(batches: Sequence[list[PlanItem]], limit: int) -> list[list[list[PlanItem]]]:
    """Consecutive batches grouped so each group holds ≤ `limit` items (one push per group).

    Pushing a group in one call (after taking every SKU lock of its batches) lets a push fill
    the API's own limit (300 / 1,000 items) instead of stopping at `SYNC_BATCH_SIZE`.
    """
    groups: list[list[list[PlanItem]]] = []
    size = 0
    for batch in batches:
        if groups and size + len(batch) <= limit:
            groups[-1].append(batch)
            size += len(batch)
        else:
            groups.append([batch])
            size = len(batch)
    return groups


Verdict = PlanItem | PlanProblem | None  # push it, report it, or nothing (in sync)


def _problem(listing: PlannedListing, code: ProblemCode, message: str) -> PlanProblem:
    return PlanProblem(
        listing_id=listing.listing_id,
        sku=listing.sku,
        code=code,
        message=message,
        sellable=listing.sellable,
    )


def _wix_item(
    listing: PlannedListing, sellable: int, state: Mapping[WixKey, WixItemState]
) -> Verdict:
    """The listing's `PlanItem`, a `PlanProblem`, or None when in sync."""
    if not (listing.wix_product_id and listing.wix_variant_id):
        return _problem(listing, "NOT_MAPPED", "listing has no Wix product and variant id")
    found = state.get((listing.wix_product_id, listing.wix_variant_id))
    if found is None:
        return _problem(listing, "NOT_FOUND", "item not found on Wix")
    if not found.track_quantity:
        return _problem(listing, "UNTRACKED", "Wix does not track this item's quantity")
    target = min(max(sellable, 0), MAX_QUANTITY)
    if found.quantity == target:
        return None
    return PlanItem(
        listing_id=listing.listing_id,
        sku=listing.sku,
        target=target,
        before=found.quantity,
        wix_product_id=found.product_id,
        wix_variant_id=found.variant_id,
        wix_inventory_item_id=found.inventory_item_id or listing.wix_inventory_item_id,
        revision=found.revision,
    )


def _allegro_item(
    listing: PlannedListing, sellable: int, state: Mapping[str, AllegroOfferState]
) -> Verdict:
    """The listing's `PlanItem`, a `PlanProblem`, or None when in sync."""
    if not listing.allegro_offer_id:
        return _problem(listing, "NOT_MAPPED", "listing has no Allegro offer id")
    found = state.get(listing.allegro_offer_id)
    if found is None:
        return _problem(listing, "NOT_FOUND", "offer not found")
    target = max(sellable, 0)
    shown = allegro_shown(found, target)
    if shown == target:
        return None
    return PlanItem(
        listing_id=listing.listing_id,
        sku=listing.sku,
        target=target,
        before=shown,
        allegro_offer_id=found.offer_id,
        allegro_status=found.status,
        activate=found.status == "ENDED" and target >= 1,
    )


def _plan(
    listings: Iterable[PlannedListing],
    judge: Callable[[PlannedListing, int], Verdict],
    batch_size: int,
) -> Plan:
    plan = Plan()
    items: list[PlanItem] = []
    for listing in listings:
        if listing.sellable is None:
            plan.left_alone.append(listing.listing_id)
            continue
        verdict = judge(listing, listing.sellable)
        if verdict is None:
            plan.in_sync.append(listing.listing_id)
        elif isinstance(verdict, PlanProblem):
            plan.problems.append(verdict)
        else:
            items.append(verdict)
    plan.batches = split_batches(items, batch_size)
    return plan


def plan_wix(
    listings: Iterable[PlannedListing],
    state: Mapping[WixKey, WixItemState],
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Plan:
    """The Wix listings whose quantity differs from sellable, batched (SKU order)."""
    ordered = sorted(listings, key=lambda listing: (listing.sku, listing.listing_id))
    return _plan(ordered, lambda listing, sellable: _wix_item(listing, sellable, state), batch_size)


def plan_allegro(
    listings: Iterable[PlannedListing],
    state: Mapping[str, AllegroOfferState],
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Plan:
    """The Allegro listings whose shown quantity differs from sellable, batched by target."""
    ordered = sorted(
        listings, key=lambda listing: (listing.sellable or 0, listing.sku, listing.listing_id)
    )
    return _plan(
        ordered, lambda listing, sellable: _allegro_item(listing, sellable, state), batch_size
    )
