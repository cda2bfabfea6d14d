"""REST routes for the seller and their offers: `/me`, `/sale/offers`, `/sale/product-offers`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, Response, get, patch
from litestar.params import FromPath

from server.sandboxes.allegro import views
from server.sandboxes.allegro.errors import AllegroProblem, rest_error, validation_error
from server.sandboxes.allegro.gate import (
    Caller,
    authorize,
    int_query,
    public_base,
    read_body,
    reply,
    require,
)
from server.sandboxes.allegro.models import Operation
from server.sandboxes.allegro.offers_logic import (
    OfferPatch,
    OfferQuery,
    apply_patch,
    conflict,
    owned_offer,
    search_page,
    validate_patch,
)

STATUSES = ("INACTIVE", "ACTIVE", "ACTIVATING", "ENDED")
MAX_WINDOW = 10_000_000


@get("/me", sync_to_thread=False)
def me(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The seller the token belongs to."""
    return reply(views.me(authorize(request).seller))


def _offer_ids(request: Request[Any, Any, Any], caller: Caller) -> list[str] | None:
    values = request.query_params.getall("offer.id", [])
    if not values:
        return None
    if len(values) > 1 and caller.store.config.offer_id_repeated_ignored:
        return None  # a repeated offer.id returned every offer [#11856]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _query(request: Request[Any, Any, Any], caller: Caller) -> OfferQuery:
    external = request.query_params.getall("external.id", []) or None
    if external is not None:
        require(
            len(external) <= 100,
            validation_error(400, "size must be between 0 and 100", "external.id"),
        )
        require(
            all(len(value) <= 100 for value in external),
            validation_error(400, "External id is too long", "external.id"),
        )
    statuses = request.query_params.getall("publication.status", []) or None
    for status in statuses or []:
        require(
            status in STATUSES,
            validation_error(400, f"Invalid status: {status}", "publication.status"),
        )
    return OfferQuery(
        offer_ids=_offer_ids(request, caller),
        external_ids=external,
        statuses=statuses,
        sort=request.query_params.get("sort"),
    )


@get("/sale/offers", sync_to_thread=False)
def list_offers(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The seller's offers, filtered, newest first, paged by limit (≤ 1000) and offset."""
    bad_token = request.app.state.allegro.store.config.offers_bad_token_status
    caller = authorize(request, bad_token_status=bad_token)
    limit = int_query(request, "limit", default=20, low=1, high=1000, status=400)
    offset = int_query(request, "offset", default=0, low=0, high=MAX_WINDOW - 1, status=400)
    require(
        offset + limit <= MAX_WINDOW, validation_error(400, "offset + limit too large", "offset")
    )
    page, total = search_page(
        caller.store, caller.seller.id, _query(request, caller), offset, limit
    )
    return reply(
        {
            "offers": [views.offer_listing(o) for o in page],
            "count": len(page),
            "totalCount": total,
        }
    )


@get("/sale/product-offers/{offer_id:str}", sync_to_thread=False)
def get_product_offer(request: Request[Any, Any, Any], offer_id: FromPath[str]) -> Response[bytes]:
    """One offer in full (3500/min per seller)."""
    caller = authorize(request)
    caller.runtime.limits.charge("offer-get", caller.seller.id)
    return reply(views.product_offer(owned_offer(caller.store, caller.seller.id, offer_id)))


@get("/sale/product-offers/{offer_id:str}/parts", sync_to_thread=False)
def get_product_offer_parts(
    request: Request[Any, Any, Any], offer_id: FromPath[str]
) -> Response[bytes]:
    """Stock and/or price only (`include=stock&include=price`)."""
    caller = authorize(request)
    parts = request.query_params.getall("include", [])
    require(
        bool(parts) and set(parts) <= {"stock", "price"},
        validation_error(400, "Unsupported part name", "include"),
    )
    offer = owned_offer(caller.store, caller.seller.id, offer_id)
    body: dict[str, Any] = {"id": offer.id}
    if "stock" in parts:
        body["stock"] = {"available": offer.available}
    if "price" in parts:
        body["sellingMode"] = {"price": views.money(offer.price)}
    return reply(body)


@patch("/sale/product-offers/{offer_id:str}", status_code=200)
async def patch_product_offer(
    request: Request[Any, Any, Any], offer_id: FromPath[str]
) -> Response[bytes]:
    """Edit an offer: 200 when done at once, 202 + Location while processing, 409 while busy."""
    caller = authorize(request)
    limits, seller_id = caller.runtime.limits, caller.seller.id
    limits.charge("offer-patch", seller_id)
    try:
        offer = owned_offer(caller.store, seller_id, offer_id)
        if offer.id in caller.store.busy_offers:
            raise conflict()
        changes = validate_patch(offer, await read_body(request, OfferPatch, 422))
    except AllegroProblem:
        weight = caller.store.config.limits.patch_failure_weight
        limits.charge_quietly("offer-patch", seller_id, weight - 1)
        raise
    if not _answer_async(caller):
        apply_patch(caller.store, offer, changes)
        return reply(views.product_offer(offer))
    return _accept(caller, public_base(request), offer_id, changes)


def _answer_async(caller: Caller) -> bool:
    share = caller.store.config.patch_async_share
    if share <= 0 or share >= 1:
        return share >= 1
    return caller.runtime.control.rng.random() < share


def _accept(
    caller: Caller, base: str, offer_id: str, changes: dict[str, object]
) -> Response[bytes]:
    """Register a 202 operation; the edit is applied when it is due."""
    store = caller.store
    now = store.now()
    operation = Operation(
        id=str(uuid.uuid4()),
        offer_id=offer_id,
        patch=changes,
        started_at=now,
        due_at=now + dt.timedelta(seconds=store.config.operation_delay_s),
    )
    store.operations[operation.id] = operation
    store.busy_offers[offer_id] = operation.id
    location = f"{base}/sale/product-offers/{offer_id}/operations/{operation.id}"
    headers = {"Location": location, "Retry-after": str(store.config.operation_retry_after_s)}
    # The 202 body is the offer as it stands; the edit shows once the operation completes.
    return reply(views.product_offer(store.offers[offer_id]), 202, headers)


@get("/sale/product-offers/{offer_id:str}/operations/{operation_id:str}", sync_to_thread=False)
def get_operation(
    request: Request[Any, Any, Any], offer_id: FromPath[str], operation_id: FromPath[str]
) -> Response[bytes]:
    """202 while the PATCH runs; 303 to the offer once it is done [#9335]."""
    caller = authorize(request)
    store = caller.store
    owned_offer(store, caller.seller.id, offer_id)
    operation = store.operations.get(operation_id)
    if operation is None or operation.offer_id != offer_id:
        raise rest_error(404, "NOT_FOUND", "Operation not found.")
    base = public_base(request)
    if operation.applied:
        return Response(
            content=b"",
            status_code=303,
            headers={"Location": f"{base}/sale/product-offers/{offer_id}"},
        )
    halfway = operation.started_at + (operation.due_at - operation.started_at) / 2
    status = "PENDING" if store.now() < halfway else "IN_PROGRESS"
    headers = {"Retry-after": str(store.config.operation_retry_after_s)}
    return reply(views.operation_status(operation, status), 202, headers)
