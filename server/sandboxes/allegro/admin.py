"""The Allegro sandbox's own admin API under `/_sandbox/` (never part of Allegro's API).

Read state, change stock "on the marketplace side", place, pay, ship, cancel and merge orders, drop
events from the journal, answer a device code as the seller, hand out tokens, move the sandbox
clock, reset. Fault settings, scripted faults and request counters come from the shared
`sandbox_admin_router` on the same prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Router, get, post, put
from litestar.params import FromPath, JSONBody

from server.sandboxes.allegro import oauth_logic, orders_knobs, orders_logic, pending, views
from server.sandboxes.allegro.errors import rest_error
from server.sandboxes.allegro.gate import runtime_of
from server.sandboxes.allegro.models import Offer, Order, Seller
from server.sandboxes.allegro.store import AllegroStore

ADMIN_PREFIX = "/_sandbox"


class StockChange(msgspec.Struct):
    """New `stock.available`; 0 ends an active offer, as a sale-out would."""

    available: int


class PublicationChange(msgspec.Struct):
    """`ACTIVE` or `ENDED`."""

    status: str


class DeviceAnswer(msgspec.Struct, rename="camel"):
    """The seller's answer to a user code."""

    user_code: str
    seller: str = ""


class TokenRequest(msgspec.Struct, rename="camel"):
    """Issue a token pair for a seller without the device flow."""

    client_id: str | None = None


class ClockAdvance(msgspec.Struct):
    """Seconds to move the sandbox clock forward."""

    seconds: float


class FulfillmentChange(msgspec.Struct):
    """The seller's new `fulfillment.status` (e.g. `SENT`)."""

    status: str


class CancelRequest(msgspec.Struct):
    """Cancel by the buyer, or automatically by Allegro."""

    automatic: bool = False


def _store(request: Request[Any, Any, Any]) -> AllegroStore:
    store = runtime_of(request).store
    pending.settle(store)
    return store


def _seller(store: AllegroStore, key: str) -> Seller:
    seller = store.seller_by_login(key)
    if seller is None:
        raise rest_error(404, "NOT_FOUND", f"No seller {key}")
    return seller


def _offer(store: AllegroStore, offer_id: str) -> Offer:
    offer = store.offers.get(offer_id)
    if offer is None:
        raise rest_error(404, "NOT_FOUND", f"No offer {offer_id}")
    return offer


def _admin_offer(offer: Offer) -> dict[str, Any]:
    return {**views.product_offer(offer), "sellerId": offer.seller_id, "sold": offer.sold}


@get("/state", sync_to_thread=False)
def read_state(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Sellers with their offer and order counts, plus pending asynchronous work."""
    store = _store(request)
    sellers = [
        {**views.me(s), "offers": len(store.seller_offers[s.id]), "events": len(store.events[s.id])}
        for s in store.sellers.values()
    ]
    return {
        "now": store.now().isoformat(),
        "sellers": sellers,
        "orders": len(store.orders),
        "pendingCommands": len(store.pending_commands),
        "busyOffers": len(store.busy_offers),
        "deviceCodes": len(store.device_codes),
    }


@get("/sellers/{seller:str}/offers", sync_to_thread=False)
def read_offers(request: Request[Any, Any, Any], seller: FromPath[str]) -> list[dict[str, Any]]:
    """A seller's offers (all of them; `?externalId=` narrows to one SKU)."""
    store = _store(request)
    owner = _seller(store, seller)
    sku = request.query_params.get("externalId")
    offers = store.offers_of(owner.id)
    return [_admin_offer(o) for o in offers if sku is None or o.external_id == sku]


@get("/offers/{offer_id:str}", sync_to_thread=False)
def read_offer(request: Request[Any, Any, Any], offer_id: FromPath[str]) -> dict[str, Any]:
    """One offer as the marketplace holds it."""
    return _admin_offer(_offer(_store(request), offer_id))


@put("/offers/{offer_id:str}/stock", sync_to_thread=False)
def change_stock(
    request: Request[Any, Any, Any], offer_id: FromPath[str], data: JSONBody[StockChange]
) -> dict[str, Any]:
    """Change stock on the marketplace side (a seller editing in Allegro's own panel)."""
    store = _store(request)
    offer = _offer(store, offer_id)
    store.set_stock(offer, max(0, data.available))
    return _admin_offer(offer)


@put("/offers/{offer_id:str}/publication", sync_to_thread=False)
def change_publication(
    request: Request[Any, Any, Any], offer_id: FromPath[str], data: JSONBody[PublicationChange]
) -> dict[str, Any]:
    """End or activate an offer on the marketplace side."""
    store = _store(request)
    offer = _offer(store, offer_id)
    if data.status != "ACTIVE":
        store.end(offer, "USER")
    elif (reason := store.activate(offer)) is not None:
        raise rest_error(409, "SANDBOX_ACTIVATION_REJECTED", reason)
    return _admin_offer(offer)


@post("/sellers/{seller:str}/orders", sync_to_thread=False, status_code=201)
def place_order(
    request: Request[Any, Any, Any], seller: FromPath[str], data: JSONBody[orders_logic.PlaceOrder]
) -> dict[str, Any]:
    """A buyer buys: stock drops now, events and a checkout form appear."""
    store = _store(request)
    order = orders_logic.place_order(store, _seller(store, seller).id, data)
    return views.checkout_form(order)


def _order(store: AllegroStore, order_id: str) -> Order:
    order = store.orders.get(order_id)
    if order is None:
        raise rest_error(404, "NOT_FOUND", f"No order {order_id}")
    return order


@post("/orders/{order_id:str}/pay", sync_to_thread=False, status_code=200)
def pay_order(request: Request[Any, Any, Any], order_id: FromPath[str]) -> dict[str, Any]:
    """The buyer pays a FILLED_IN order (READY_FOR_PROCESSING follows)."""
    store = _store(request)
    order = _order(store, order_id)
    orders_logic.pay_order(store, order)
    return views.checkout_form(order)


@post("/orders/{order_id:str}/cancel", sync_to_thread=False, status_code=200)
def cancel_order(
    request: Request[Any, Any, Any], order_id: FromPath[str], data: JSONBody[CancelRequest]
) -> dict[str, Any]:
    """The buyer (or Allegro, `automatic`) cancels; stock is not given back."""
    store = _store(request)
    order = _order(store, order_id)
    orders_logic.cancel_order(store, order, automatic=data.automatic)
    return views.checkout_form(order)


@post("/orders/{order_id:str}/fulfillment", sync_to_thread=False, status_code=200)
def change_fulfillment(
    request: Request[Any, Any, Any], order_id: FromPath[str], data: JSONBody[FulfillmentChange]
) -> dict[str, Any]:
    """The seller moves the shipment on (FULFILLMENT_STATUS_CHANGED; `updatedAt` changes)."""
    store = _store(request)
    order = _order(store, order_id)
    orders_logic.set_fulfillment(store, order, data.status)
    return views.checkout_form(order)


@post("/sellers/{seller:str}/orders/merge", sync_to_thread=False, status_code=201)
def merge_orders(
    request: Request[Any, Any, Any],
    seller: FromPath[str],
    data: JSONBody[orders_knobs.MergeOrders],
) -> dict[str, Any]:
    """Allegro merges unpaid forms into a new one; the old ids answer 404 from now on."""
    store = _store(request)
    order = orders_knobs.merge_orders(store, _seller(store, seller).id, data)
    return views.checkout_form(order)


@post("/sellers/{seller:str}/events/drop", sync_to_thread=False, status_code=200)
def drop_events(
    request: Request[Any, Any, Any],
    seller: FromPath[str],
    data: JSONBody[orders_knobs.DropEvents],
) -> dict[str, list[str]]:
    """Remove an order's events from the journal, as if Allegro never emitted them."""
    store = _store(request)
    return {"dropped": orders_knobs.drop_events(store, _seller(store, seller).id, data)}


def _answer(request: Request[Any, Any, Any], data: DeviceAnswer, approve: bool) -> dict[str, Any]:
    store = _store(request)
    seller_id = _seller(store, data.seller).id if approve else None
    if not oauth_logic.decide(store, data.user_code, seller_id, approve):
        raise rest_error(404, "NOT_FOUND", f"No pending device code {data.user_code}")
    return {"userCode": data.user_code, "approved": approve}


@post("/device/approve", sync_to_thread=False, status_code=200)
def approve_device(request: Request[Any, Any, Any], data: JSONBody[DeviceAnswer]) -> dict[str, Any]:
    """The seller allows the application (as on the verification page)."""
    return _answer(request, data, True)


@post("/device/deny", sync_to_thread=False, status_code=200)
def deny_device(request: Request[Any, Any, Any], data: JSONBody[DeviceAnswer]) -> dict[str, Any]:
    """The seller refuses the application."""
    return _answer(request, data, False)


@post("/sellers/{seller:str}/tokens", sync_to_thread=False, status_code=201)
def issue_tokens(
    request: Request[Any, Any, Any], seller: FromPath[str], data: JSONBody[TokenRequest]
) -> dict[str, Any]:
    """A fresh token pair for a seller (demo and tests; skips the device flow)."""
    store = _store(request)
    client_id = data.client_id or next(iter(store.config.clients))
    return oauth_logic.issue_pair(
        store, _seller(store, seller).id, client_id, oauth_logic.DEFAULT_SCOPE
    )


@post("/clock/advance", sync_to_thread=False, status_code=200)
def advance_clock(request: Request[Any, Any, Any], data: JSONBody[ClockAdvance]) -> dict[str, str]:
    """Move the sandbox clock (token expiry, command and PATCH delays)."""
    store = runtime_of(request).store
    store.clock.advance(data.seconds)
    pending.settle(store)
    return {"now": store.now().isoformat()}


def admin_router(reset: Callable[[], None]) -> Router:
    """The Allegro-specific admin routes; `reset` restores the seeded state."""

    @post("/reset", sync_to_thread=False, status_code=200)
    def reset_sandbox() -> dict[str, bool]:
        """Restore the seeded state; zero counters and every rate window."""
        reset()
        return {"reset": True}

    handlers = [
        read_state, read_offers, read_offer, change_stock, change_publication, place_order,
        pay_order, cancel_order, change_fulfillment, merge_orders, drop_events, approve_device,
        deny_device, issue_tokens, advance_clock, reset_sandbox,
    ]  # fmt: skip
    return Router(path=ADMIN_PREFIX, route_handlers=handlers)
