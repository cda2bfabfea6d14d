"""Orders in the sandbox: purchases placed through the admin API, the event journal, checkout forms.

Contract §7: stock drops when the buyer buys (before payment) and an offer that reaches 0 ends
(`EMPTY_STOCK`); cancellation does not give stock back; the journal is ascending, `from` is
exclusive, only the last 60 days are kept. Knobs reproduce duplicate READY_FOR_PROCESSING events,
FILLED_IN arriving before BOUGHT, or any journal order of a purchase's events (field notes §3),
and One Fulfillment orders (`fulfillment.provider.id = ALLEGRO`). Merging forms and dropping
events are in `orders_knobs`.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import msgspec

from server.sandboxes.allegro.errors import AllegroProblem, rest_error, validation_error
from server.sandboxes.allegro.models import LineItem, Order, OrderEvent
from server.sandboxes.allegro.store import AllegroStore

RETENTION = dt.timedelta(days=60)
EVENT_TYPES = frozenset(
    {
        "BOUGHT",
        "FILLED_IN",
        "READY_FOR_PROCESSING",
        "BUYER_CANCELLED",
        "FULFILLMENT_STATUS_CHANGED",
        "BUYER_MODIFIED",
        "AUTO_CANCELLED",
    }
)


class OrderLine(msgspec.Struct, rename="camel"):
    """One line of an order placed through the admin API."""

    offer_id: str
    quantity: int = 1


class PlaceOrder(msgspec.Struct, rename="camel", kw_only=True):
    """Admin request: a buyer buys these offers of one seller."""

    lines: list[OrderLine]
    buyer_login: str = "Buyer_Demo"
    paid: bool = True
    duplicate_ready_event: bool = False
    filled_in_before_bought: bool = False
    event_order: list[str] | None = None
    """The purchase's events in the order the journal shows them (default: BOUGHT, FILLED_IN,
    then READY_FOR_PROCESSING when paid); any event types, repeats allowed."""
    fulfilled_by_allegro: bool = False


class FormFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The filters of `GET /order/checkout-forms` the sandbox implements."""

    status: str | None = None
    fulfillment: str | None = None
    provider: str | None = None
    updated_gte: dt.datetime | None = None
    updated_lte: dt.datetime | None = None

    def admits(self, order: Order) -> bool:
        """Whether an order passes every filter (times compared in milliseconds, as shown)."""
        updated = millis(order.updated_at)
        return (
            (self.status is None or order.status == self.status)
            and (self.fulfillment is None or order.fulfillment_status == self.fulfillment)
            and (self.provider is None or order.fulfillment_provider == self.provider)
            and (self.updated_gte is None or updated >= self.updated_gte)
            and (self.updated_lte is None or updated <= self.updated_lte)
        )


def millis(moment: dt.datetime) -> dt.datetime:
    """A time cut to the milliseconds Allegro shows."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def query_time(value: str | None, name: str) -> dt.datetime | None:
    """An ISO-8601 date-time query value with its offset; 400 when illegal [spec E3]."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise validation_error(400, f"Illegal date-time value: {value}", name)
    return millis(moment)


def _admin_error(message: str) -> AllegroProblem:
    return rest_error(409, "SANDBOX_ORDER_REJECTED", message)


def _take_stock(store: AllegroStore, seller_id: str, line: OrderLine) -> LineItem:
    offer = store.offers.get(line.offer_id)
    if offer is None or offer.seller_id != seller_id:
        raise _admin_error(f"offer {line.offer_id} is not this seller's")
    if offer.status != "ACTIVE":
        raise _admin_error(f"offer {offer.id} is {offer.status}, it cannot be bought")
    if not 1 <= line.quantity <= offer.available:
        raise _admin_error(f"offer {offer.id} has {offer.available} available")
    store.set_stock(offer, offer.available - line.quantity)
    offer.sold += line.quantity
    return LineItem(
        id=str(uuid.uuid4()),
        offer_id=offer.id,
        offer_name=offer.name,
        external_id=offer.external_id,
        quantity=line.quantity,
        price=offer.price,
        bought_at=store.now(),
    )


def place_order(store: AllegroStore, seller_id: str, request: PlaceOrder) -> Order:
    """Buy: lower stock at once (0 ends the offer), create the checkout form and its events."""
    for line in request.lines:
        offer = store.offers.get(line.offer_id)
        if offer is not None and offer.available < line.quantity:
            raise _admin_error(f"offer {offer.id} has {offer.available} available")
    items = [_take_stock(store, seller_id, line) for line in request.lines]
    order = Order(
        id=str(uuid.uuid4()),
        seller_id=seller_id,
        buyer_login=request.buyer_login,
        status="READY_FOR_PROCESSING" if request.paid else "FILLED_IN",
        line_items=items,
        updated_at=store.now(),
        revision=secrets.token_hex(4),
        fulfillment_provider="ALLEGRO" if request.fulfilled_by_allegro else "SELLER",
        paid_at=store.now() if request.paid else None,
    )
    store.orders[order.id] = order
    for event_type in _purchase_events(request):
        store.record_event(order, event_type)
    return order


def _purchase_events(request: PlaceOrder) -> list[str]:
    if request.event_order is not None:
        for event_type in request.event_order:
            if event_type not in EVENT_TYPES:
                raise _admin_error(f"unknown event type {event_type}")
        return list(request.event_order)
    events = ["FILLED_IN", "BOUGHT"] if request.filled_in_before_bought else ["BOUGHT", "FILLED_IN"]
    if request.paid:
        events.append("READY_FOR_PROCESSING")
        if request.duplicate_ready_event:
            events.append("READY_FOR_PROCESSING")
    return events


def pay_order(store: AllegroStore, order: Order) -> None:
    """The buyer pays a FILLED_IN order."""
    order.status = "READY_FOR_PROCESSING"
    _touch(store, order)
    order.paid_at = order.updated_at
    store.record_event(order, "READY_FOR_PROCESSING")


def cancel_order(store: AllegroStore, order: Order, *, automatic: bool = False) -> None:
    """The buyer (or Allegro) cancels: status CANCELLED, stock is not given back [#4762]."""
    order.status = "CANCELLED"
    _touch(store, order)
    store.record_event(order, "AUTO_CANCELLED" if automatic else "BUYER_CANCELLED")


FULFILLMENT_STATUSES = frozenset(
    {
        "NEW",
        "PROCESSING",
        "READY_FOR_SHIPMENT",
        "READY_FOR_PICKUP",
        "SENT",
        "PICKED_UP",
        "CANCELLED",
        "SUSPENDED",
        "RETURNED",
    }
)


def set_fulfillment(store: AllegroStore, order: Order, status: str) -> None:
    """The seller moves the shipment on: FULFILLMENT_STATUS_CHANGED, checkout status unchanged."""
    if status not in FULFILLMENT_STATUSES:
        raise _admin_error(f"unknown fulfillment status {status}")
    order.fulfillment_status = status
    _touch(store, order)
    store.record_event(order, "FULFILLMENT_STATUS_CHANGED")


def _touch(store: AllegroStore, order: Order) -> None:
    order.updated_at = store.now()
    order.revision = secrets.token_hex(4)


def events_after(
    store: AllegroStore, seller_id: str, after: str | None, types: list[str], limit: int
) -> list[OrderEvent]:
    """The journal after event `after` (exclusive), oldest first, of the given types."""
    if after is not None and not after.isdigit():
        raise validation_error(422, "Invalid event id", "from")
    for event_type in types:
        if event_type not in EVENT_TYPES:
            raise validation_error(422, f"Invalid event type: {event_type}", "type")
    horizon = store.now() - RETENTION
    floor = int(after) if after is not None else -1
    wanted = set(types)
    found: list[OrderEvent] = []
    for event in store.events.get(seller_id, []):
        if int(event.id) <= floor or event.occurred_at < horizon:
            continue
        if wanted and event.type not in wanted:
            continue
        found.append(event)
        if len(found) == limit:
            break
    return found


def checkout_forms(
    store: AllegroStore, seller_id: str, where: FormFilter, sort: str
) -> list[Order]:
    """A seller's checkout forms, filtered and sorted as `GET /order/checkout-forms` asks."""
    keys = {
        "lineItems.boughtAt": lambda o: o.line_items[0].bought_at,
        "updatedAt": lambda o: o.updated_at,
    }
    key = keys.get(sort.removeprefix("-"))
    if key is None:
        raise validation_error(400, f"Invalid sort value: {sort}", "sort")
    orders = [o for o in store.orders.values() if o.seller_id == seller_id and where.admits(o)]
    orders.sort(key=key, reverse=sort.startswith("-"))
    return orders


def find_order(store: AllegroStore, seller_id: str, order_id: str) -> Order:
    """One checkout form; 422 for a malformed UUID, 404 when unknown [spec]."""
    try:
        uuid.UUID(order_id)
    except ValueError:
        raise validation_error(422, "Invalid checkout form id", "id") from None
    order = store.orders.get(order_id)
    if order is None or order.seller_id != seller_id:
        raise rest_error(404, "NOT_FOUND", f"Checkout form {order_id} not found.")
    return order
