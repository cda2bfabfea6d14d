"""The Allegro sandbox's state and the marketplace rules that change it.

Rules reproduced here (contract §5, §6, §7): stock 0 on an ACTIVE/ACTIVATING offer ends it
(`endedBy: EMPTY_STOCK`); more stock on an ENDED offer leaves it ENDED until it is activated;
activation needs stock > 0; a purchase lowers stock at once. Asynchronous work (202 PATCHes and
commands) is stored here with a due time and settled lazily by `pending.settle`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from server.sandboxes.allegro.config import AllegroSandboxConfig
from server.sandboxes.allegro.models import (
    AccessToken,
    Command,
    DeviceCode,
    Offer,
    Operation,
    Order,
    OrderEvent,
    RefreshToken,
    SandboxClock,
    Seller,
)


class AllegroStore:
    """Everything the sandbox knows, in memory."""

    def __init__(self, config: AllegroSandboxConfig, clock: SandboxClock | None = None) -> None:
        """Start empty; `seed.py` fills it."""
        self.config = config
        self.clock = clock or SandboxClock()
        self.clear()

    def clear(self) -> None:
        """Forget every seller, offer, token, command and order (the clock keeps its time)."""
        self.sellers: dict[str, Seller] = {}
        self.offers: dict[str, Offer] = {}
        self.seller_offers: dict[str, list[str]] = {}
        self.external_index: dict[tuple[str, str], list[str]] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.device_codes: dict[str, DeviceCode] = {}
        self.operations: dict[str, Operation] = {}
        self.busy_offers: dict[str, str] = {}
        self.commands: dict[tuple[str, str], Command] = {}
        self.pending_commands: list[Command] = []
        self.orders: dict[str, Order] = {}
        self.merged_orders: dict[str, Order] = {}
        self.events: dict[str, list[OrderEvent]] = {}
        self._last_event_id = 0

    def now(self) -> dt.datetime:
        """The sandbox clock's time."""
        return self.clock.now()

    # -- sellers and offers ------------------------------------------------------------------

    def add_seller(self, seller: Seller) -> None:
        """Register a seller account."""
        self.sellers[seller.id] = seller
        self.seller_offers.setdefault(seller.id, [])
        self.events.setdefault(seller.id, [])

    def seller_by_login(self, login_or_id: str) -> Seller | None:
        """Find a seller by id or login."""
        if login_or_id in self.sellers:
            return self.sellers[login_or_id]
        return next((s for s in self.sellers.values() if s.login == login_or_id), None)

    def add_offer(self, offer: Offer) -> None:
        """Register an offer (its seller must exist)."""
        self.offers[offer.id] = offer
        self.seller_offers[offer.seller_id].append(offer.id)
        if offer.external_id is not None:
            key = (offer.seller_id, offer.external_id)
            self.external_index.setdefault(key, []).append(offer.id)

    def set_external_id(self, offer: Offer, external_id: str | None) -> None:
        """Change an offer's external id, keeping the index right."""
        if offer.external_id is not None:
            self.external_index.get((offer.seller_id, offer.external_id), []).remove(offer.id)
        offer.external_id = external_id
        if external_id is not None:
            self.external_index.setdefault((offer.seller_id, external_id), []).append(offer.id)

    def offers_of(self, seller_id: str) -> Iterator[Offer]:
        """A seller's offers, newest first (Allegro's default order)."""
        for offer_id in reversed(self.seller_offers.get(seller_id, [])):
            yield self.offers[offer_id]

    def set_stock(self, offer: Offer, available: int) -> None:
        """Set `stock.available`; 0 ends an ACTIVE or ACTIVATING offer (EMPTY_STOCK)."""
        offer.available = available
        offer.updated_at = self.now()
        if available == 0 and offer.status in ("ACTIVE", "ACTIVATING"):
            self.end(offer, "EMPTY_STOCK")

    def end(self, offer: Offer, ended_by: str) -> None:
        """End an offer; it stays ENDED until activated."""
        offer.status = "ENDED"
        offer.ended_by = ended_by
        offer.ended_at = offer.updated_at = self.now()

    def activate(self, offer: Offer) -> str | None:
        """Activate an offer; returns why not, if it cannot be (no stock)."""
        if offer.available <= 0:
            return "Offer can be activated only with stock being greater than 0."
        if offer.status != "ACTIVE":
            offer.status = "ACTIVE"
            offer.ended_by = None
            offer.started_at = offer.updated_at = self.now()
        return None

    # -- orders -------------------------------------------------------------------------------

    def next_event_id(self) -> str:
        """Ascending event ids that look like Allegro's microsecond stamps [#6089]."""
        stamp = int(self.now().timestamp() * 1_000_000)
        self._last_event_id = max(self._last_event_id + 1, stamp)
        return str(self._last_event_id)

    def event_order(self, order_id: str) -> Order:
        """The order an event is about; merged-away orders still render their old events."""
        return self.orders.get(order_id) or self.merged_orders[order_id]

    def record_event(self, order: Order, event_type: str) -> OrderEvent:
        """Append an event for an order to its seller's journal."""
        event = OrderEvent(
            id=self.next_event_id(),
            seller_id=order.seller_id,
            type=event_type,
            order_id=order.id,
            occurred_at=self.now(),
        )
        self.events[order.seller_id].append(event)
        return event
