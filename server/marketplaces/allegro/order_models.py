"""Allegro order wire types (events, checkout forms) with module-level decoders.

Only what order import reads is declared; unknown upstream fields are ignored.
"""

from __future__ import annotations

import msgspec

from server.marketplaces.allegro.models import Base, External


class LineOffer(Base):
    """The offer a line item bought."""

    id: str
    name: str = ""
    external: External | None = None


class LineItem(Base):
    """A bought offer and how many."""

    id: str
    offer: LineOffer
    quantity: int
    bought_at: str | None = None


class CheckoutFormRef(Base):
    """An event's reference to its checkout form."""

    id: str
    revision: str | None = None


class EventOrder(Base):
    """The order summary inside an event."""

    line_items: list[LineItem] = msgspec.field(default_factory=list)
    checkout_form: CheckoutFormRef | None = None


class OrderEvent(Base):
    """One entry of `/order/events`."""

    id: str
    type: str
    occurred_at: str
    order: EventOrder


class OrderEvents(Base):
    """`/order/events` response."""

    events: list[OrderEvent] = msgspec.field(default_factory=list)


class EventOrderRef(Base):
    """Only the checkout form an event names (see `OrderEventRef`)."""

    checkout_form: CheckoutFormRef | None = None


class OrderEventRef(Base):
    """An event reduced to what an importer that re-reads the form needs: a line item the model
    cannot read (in an event body nobody trusts) then cannot stop the journal."""

    id: str
    type: str
    occurred_at: str | None = None
    order: EventOrderRef = msgspec.field(default_factory=EventOrderRef)


class OrderEventRefs(Base):
    """`/order/events` response, reduced to `OrderEventRef`s."""

    events: list[OrderEventRef] = msgspec.field(default_factory=list)


class LatestEvent(Base):
    """`latestEvent` of `/order/event-stats`."""

    id: str
    occurred_at: str | None = None


class EventStats(Base):
    """`/order/event-stats` response."""

    latest_event: LatestEvent | None = None


class FulfillmentProvider(Base):
    """`fulfillment.provider`: `SELLER`, or `ALLEGRO` for One Fulfillment (Allegro's warehouse
    ships the order and holds its stock; contract §7 E4, whether to deduct is our decision)."""

    id: str


class Fulfillment(Base):
    """`fulfillment` of a checkout form."""

    status: str | None = None
    provider: FulfillmentProvider | None = None


class Buyer(Base):
    """`buyer` of a checkout form (only the login is kept)."""

    login: str = ""


class Payment(Base):
    """`payment` of a checkout form: `finishedAt` is when the buyer paid (None: not yet, or cash
    on delivery)."""

    finished_at: str | None = None


class CheckoutForm(Base):
    """An order (`CheckoutForm`), the fields order import needs."""

    id: str
    status: str
    buyer: Buyer | None = None
    payment: Payment | None = None
    line_items: list[LineItem] = msgspec.field(default_factory=list)
    fulfillment: Fulfillment | None = None
    revision: str | None = None
    updated_at: str | None = None


class CheckoutForms(Base):
    """`/order/checkout-forms` response."""

    checkout_forms: list[CheckoutForm] = msgspec.field(default_factory=list)
    count: int = 0
    total_count: int = 0


events_decoder = msgspec.json.Decoder(OrderEvents)
event_refs_decoder = msgspec.json.Decoder(OrderEventRefs)
event_stats_decoder = msgspec.json.Decoder(EventStats)
checkout_form_decoder = msgspec.json.Decoder(CheckoutForm)
checkout_forms_decoder = msgspec.json.Decoder(CheckoutForms)
