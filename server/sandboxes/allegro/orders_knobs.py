"""Sandbox knobs for the order journal's known failure modes (field notes §3); admin API only.

- Merging: Allegro can merge a buyer's unpaid checkout forms into a new one; the old ids then
  answer 404 and a new form with a new id and new events follows [issue #2829]. The new form
  keeps the old forms' line items with their ids [inferred: the issue does not say whether line
  ids survive; StockBridge's merge handling relies on it only to carry over deductions]. Which
  events the new form gets is undocumented; the sandbox records BOUGHT and FILLED_IN [inferred].
- Dropping events: the form moves on but the journal never shows the event (#8586, #8856): the
  events are removed from the seller's journal as if Allegro had never emitted them.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Literal

import msgspec

from server.sandboxes.allegro.errors import AllegroProblem, rest_error
from server.sandboxes.allegro.models import Order
from server.sandboxes.allegro.store import AllegroStore

UNPAID = ("BOUGHT", "FILLED_IN")


class MergeOrders(msgspec.Struct, rename="camel"):
    """Admin request: merge these unpaid forms of one seller into a new one."""

    order_ids: list[str]


class DropEvents(msgspec.Struct, rename="camel"):
    """Admin request: remove an order's events of these types (all types when empty)."""

    order_id: str
    types: list[str] = msgspec.field(default_factory=list)


def _rejected(message: str) -> AllegroProblem:
    return rest_error(409, "SANDBOX_ORDER_REJECTED", message)


def _unpaid_orders(store: AllegroStore, seller_id: str, order_ids: list[str]) -> list[Order]:
    if len(set(order_ids)) < 2:
        raise _rejected("merging needs at least two different checkout forms")
    orders = []
    for order_id in dict.fromkeys(order_ids):
        order = store.orders.get(order_id)
        if order is None or order.seller_id != seller_id:
            raise _rejected(f"checkout form {order_id} is not this seller's")
        if order.status not in UNPAID:
            raise _rejected(f"checkout form {order_id} is {order.status}; only unpaid ones merge")
        orders.append(order)
    return orders


def merge_orders(store: AllegroStore, seller_id: str, request: MergeOrders) -> Order:
    """Replace unpaid forms by one new form with all their line items; the old ids answer 404."""
    old = _unpaid_orders(store, seller_id, request.order_ids)
    status: Literal["BOUGHT", "FILLED_IN"] = (
        "FILLED_IN" if all(order.status == "FILLED_IN" for order in old) else "BOUGHT"
    )
    merged = Order(
        id=str(uuid.uuid4()),
        seller_id=seller_id,
        buyer_login=old[0].buyer_login,
        status=status,
        line_items=[item for order in old for item in order.line_items],
        updated_at=store.now(),
        revision=secrets.token_hex(4),
        fulfillment_provider=old[0].fulfillment_provider,
    )
    for order in old:
        store.merged_orders[order.id] = store.orders.pop(order.id)
    store.orders[merged.id] = merged
    store.record_event(merged, "BOUGHT")
    if status == "FILLED_IN":
        store.record_event(merged, "FILLED_IN")
    return merged


def drop_events(store: AllegroStore, seller_id: str, request: DropEvents) -> list[str]:
    """Remove an order's events (of `types`, or all) from the journal; returns their ids."""
    journal = store.events.get(seller_id, [])
    wanted = set(request.types)
    dropped = [
        event
        for event in journal
        if event.order_id == request.order_id and (not wanted or event.type in wanted)
    ]
    store.events[seller_id] = [event for event in journal if event not in dropped]
    return [event.id for event in dropped]
