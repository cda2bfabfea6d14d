"""Offer reads and edits: the `GET /sale/offers` search and the product-offer PATCH rules.

A PATCH is validated when it arrives (422 for impossible values, activation without stock
included) and applied at once (200) or when its operation is due (202). Only the fields a stock
sync touches are modelled (`stock`, `publication.status`, `external.id`, `name`); other fields of
`SaleProductOfferPatchRequestV1` are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from server.sandboxes.allegro.errors import AllegroProblem, rest_error, validation_error
from server.sandboxes.allegro.models import Offer
from server.sandboxes.allegro.store import AllegroStore

PATCHABLE_STATUSES = ("ACTIVE", "ENDED")
SORT_KEYS = {
    "stock.available": lambda o: o.available,
    "stock.sold": lambda o: o.sold,
    "sellingMode.price.amount": lambda o: float(o.price),
}


class StockPatch(msgspec.Struct):
    """`stock` of a PATCH."""

    available: int | None = None
    unit: str | None = None


class PublicationPatch(msgspec.Struct):
    """`publication` of a PATCH (only `status` is acted on)."""

    status: str | None = None


class ExternalPatch(msgspec.Struct):
    """`external` of a PATCH."""

    id: str | None = None


class OfferPatch(msgspec.Struct):
    """The part of `SaleProductOfferPatchRequestV1` the sandbox acts on; other fields pass."""

    name: str | None = None
    stock: StockPatch | None = None
    publication: PublicationPatch | None = None
    external: ExternalPatch | None = None


def validate_patch(offer: Offer, body: OfferPatch) -> dict[str, object]:
    """Check a PATCH against the offer; returns the changes to apply (422 when impossible)."""
    changes: dict[str, object] = {}
    if body.name is not None:
        changes["name"] = body.name
    if body.external is not None:
        _require(
            body.external.id is None or len(body.external.id) <= 100,
            "size must be between 0 and 100",
            "external.id",
        )
        changes["external_id"] = body.external.id
    if body.stock is not None and body.stock.available is not None:
        _require(body.stock.available >= 0, "must be greater than or equal to 0", "stock.available")
        changes["available"] = body.stock.available
    if body.publication is not None and body.publication.status is not None:
        status = body.publication.status
        _require(status in PATCHABLE_STATUSES, "must be ACTIVE or ENDED", "publication.status")
        stock = changes.get("available", offer.available)
        _require(
            status != "ACTIVE" or (isinstance(stock, int) and stock > 0),
            "Offer can be activated only with stock being greater than 0.",
            "stock.available",
        )
        changes["status"] = status
    return changes


def _require(condition: bool, message: str, path: str) -> None:
    if not condition:
        raise validation_error(422, message, path)


def apply_patch(store: AllegroStore, offer: Offer, changes: dict[str, object]) -> None:
    """Apply validated changes in Allegro's order: identity, stock (0 ends), publication."""
    if "name" in changes:
        offer.name = str(changes["name"])
    if "external_id" in changes:
        value = changes["external_id"]
        store.set_external_id(offer, None if value is None else str(value))
    available = changes.get("available")
    if isinstance(available, int):
        store.set_stock(offer, available)
    status = changes.get("status")
    if status == "ACTIVE":
        store.activate(offer)
    elif status == "ENDED" and offer.status != "ENDED":
        store.end(offer, "USER")
    offer.updated_at = store.now()


def owned_offer(store: AllegroStore, seller_id: str, offer_id: str) -> Offer:
    """The seller's offer; 400 for a malformed id, 404 unknown, 403 someone else's."""
    if not offer_id.isdigit() or len(offer_id) > 20:
        raise validation_error(400, "Invalid offer ID format", "offerId")
    offer = store.offers.get(offer_id)
    if offer is None:
        raise rest_error(404, "NOT_FOUND", f"Offer {offer_id} not found.")
    if offer.seller_id != seller_id:
        raise rest_error(403, "ACCESS_DENIED", "You do not have permission to access this offer.")
    return offer


class OfferQuery(msgspec.Struct, kw_only=True):
    """The filters of `GET /sale/offers` the sandbox supports."""

    offer_ids: list[str] | None = None
    external_ids: list[str] | None = None
    statuses: list[str] | None = None
    sort: str | None = None


def _candidates(store: AllegroStore, seller_id: str, query: OfferQuery) -> Iterable[Offer]:
    if query.external_ids is not None:
        ids: set[str] = set()
        for external_id in query.external_ids:
            ids.update(store.external_index.get((seller_id, external_id), []))
        if query.offer_ids is not None:
            ids &= set(query.offer_ids)
        return [o for o in store.offers_of(seller_id) if o.id in ids]
    if query.offer_ids is not None:
        found = (store.offers.get(offer_id) for offer_id in query.offer_ids)
        wanted = {o.id for o in found if o is not None and o.seller_id == seller_id}
        return [o for o in store.offers_of(seller_id) if o.id in wanted]
    return store.offers_of(seller_id)


def search_page(
    store: AllegroStore, seller_id: str, query: OfferQuery, offset: int, limit: int
) -> tuple[list[Offer], int]:
    """One page of the search and the total count (unfiltered pages are sliced directly)."""
    filtered = query.offer_ids is not None or query.external_ids is not None or query.statuses
    if not filtered and not query.sort:
        ids = store.seller_offers.get(seller_id, [])
        end = max(len(ids) - offset, 0)
        start = max(end - limit, 0)
        return [store.offers[i] for i in reversed(ids[start:end])], len(ids)
    found = search(store, seller_id, query)
    return found[offset : offset + limit], len(found)


def search(store: AllegroStore, seller_id: str, query: OfferQuery) -> list[Offer]:
    """The seller's offers matching every filter, in the requested order."""
    offers: Iterable[Offer] = _candidates(store, seller_id, query)
    if query.statuses:
        allowed = set(query.statuses)
        offers = (o for o in offers if o.status in allowed)
    result = list(offers)
    if query.sort:
        descending = query.sort.startswith("-")
        key = SORT_KEYS.get(query.sort.lstrip("-"))
        if key is None:
            raise validation_error(400, f"Invalid sort value: {query.sort}", "sort")
        result.sort(key=key, reverse=descending)
    return result


def conflict() -> AllegroProblem:
    """409 while a previous edit of the offer is still processing [#9620]."""
    return rest_error(
        409,
        "OfferConflictException",
        "The previous edition of the offer is still being processed.",
        user_message="The previous edition of the offer is still being processed. Try again.",
    )
