"""Orders and their faults for the order-import benchmark, placed through the sandboxes' admin APIs.

`plan_orders` draws orders of 1-3 lines (1-3 units each) until they hold the wanted number of
lines, spread evenly over the three accounts. Faults, drawn independently:

- duplicated (30 % of events): on Allegro every event of a purchase (BOUGHT, FILLED_IN,
  READY_FOR_PROCESSING) is repeated in the journal with this chance (the `eventOrder` knob); on
  Wix every webhook delivery (order created, order cancelled) is delivered twice.
- out of order (5 % of orders): the purchase's journal events in reverse (`eventOrder`); on Wix
  the order's delivery comes after the deliveries placed after it.
- missing (2 % of orders): removed from the journal (`events/drop`: the READY_FOR_PROCESSING
  event, or every event of the purchase); on Wix the webhook is never delivered.
- cancelled (1 % of orders): half before the import saw them ready (Allegro: bought unpaid, then
  cancelled; Wix: cancelled before the first poll), half after the first import round deducted
  them (their units must come back, `restock_on_cancel` being on).

Wix webhook deliveries are what Wix would POST to `/api/webhooks/wix/{account}`: the benchmark
plays Wix and runs what the verified webhook's job runs (`import_order_by_id`), once per delivery.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from typing import Any

from orders_setup import WIX_SITE, OrdersBench

SHARES = {"duplicated": 0.30, "out_of_order": 0.05, "missing": 0.02, "cancelled": 0.01}
ACCOUNTS = ("allegro-1", "allegro-2", "wix")


@dataclasses.dataclass
class PlannedOrder:
    """One order to place: account, (SKU, quantity) lines and its faults."""

    account: str
    lines: list[tuple[str, int]]
    out_of_order: bool = False
    missing: bool = False
    cancel: str | None = None
    """None, "before" (before the import sees it ready) or "after" (after round one)."""
    external_id: str = ""


@dataclasses.dataclass
class Placement:
    """What was placed: the orders, pending Wix deliveries and the fault counts."""

    orders: list[PlannedOrder]
    deliveries: list[str] = dataclasses.field(default_factory=list)
    """Wix order ids whose webhook is still to be delivered, in delivery order."""
    late: list[str] = dataclasses.field(default_factory=list)
    """Out-of-order deliveries: sent after every delivery queued after them."""
    faults: Counter[str] = dataclasses.field(default_factory=Counter)


def plan_orders(rng: random.Random, skus: list[str], lines: int) -> list[PlannedOrder]:
    """Orders holding `lines` lines in all, with their faults drawn."""
    orders: list[PlannedOrder] = []
    left = lines
    while left > 0:
        count = min(left, rng.randint(1, 3))
        left -= count
        order = PlannedOrder(
            account=ACCOUNTS[len(orders) % len(ACCOUNTS)],
            lines=[(sku, rng.randint(1, 3)) for sku in rng.sample(skus, count)],
            out_of_order=rng.random() < SHARES["out_of_order"],
            missing=rng.random() < SHARES["missing"],
        )
        if rng.random() < SHARES["cancelled"]:
            order.cancel = rng.choice(("before", "after"))
        orders.append(order)
    _each_fault_once(orders)
    return orders


def _each_fault_once(orders: list[PlannedOrder]) -> None:
    """Small runs still see every fault: the last orders take any one an account was not dealt."""
    if len(orders) < 2 * len(ACCOUNTS):
        return
    tail = orders[-2 * len(ACCOUNTS) :]
    for when, order in zip(("before", "after"), tail[:2], strict=False):
        if not any(o.cancel == when for o in orders):
            order.cancel = when
    for order in tail[len(ACCOUNTS) :]:
        mine = [o for o in orders if o.account == order.account]
        order.missing = order.missing or not any(o.missing for o in mine)
        order.out_of_order = order.out_of_order or not any(o.out_of_order for o in mine)


async def _admin(client: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    response = await client.post(f"/_sandbox{path}", json=body or {})
    assert response.is_success, response.text
    return response.json()


def _journal(rng: random.Random, order: PlannedOrder, faults: Counter[str]) -> list[str]:
    """The purchase's events as the journal will show them (repeats and order drawn)."""
    base = ["BOUGHT", "FILLED_IN"] + ([] if order.cancel == "before" else ["READY_FOR_PROCESSING"])
    events: list[str] = []
    for event in base:
        events.append(event)
        if rng.random() < SHARES["duplicated"]:
            events.append(event)
            faults["duplicated"] += 1
    faults["events"] += len(base)
    if order.out_of_order:
        events.reverse()
        faults["out_of_order"] += 1
    return events


async def place_allegro(
    bench: OrdersBench, rng: random.Random, order: PlannedOrder, faults: Counter[str]
) -> None:
    """Buy on Allegro with the drawn journal; drop events and cancel as planned."""
    offers = bench.offers[order.account]
    body = {
        "lines": [{"offerId": offers[sku], "quantity": q} for sku, q in order.lines],
        "paid": order.cancel != "before",
        "eventOrder": _journal(rng, order, faults),
    }
    form = await _admin(bench.admin_allegro, f"/sellers/{order.account}/orders", body)
    order.external_id = str(form["id"])
    if order.missing:
        types = ["READY_FOR_PROCESSING"] if rng.random() < 0.5 and body["paid"] else []
        drop = {"orderId": order.external_id, "types": types}
        await _admin(bench.admin_allegro, f"/sellers/{order.account}/events/drop", drop)
        faults["missing"] += 1
    if order.cancel == "before":
        await _admin(bench.admin_allegro, f"/orders/{order.external_id}/cancel")


def take_deliveries(placement: Placement) -> list[str]:
    """The queued Wix deliveries in the order they are sent (the late ones last); queue emptied."""
    batch = placement.deliveries + placement.late
    placement.deliveries, placement.late = [], []
    return batch


def deliver(rng: random.Random, placement: Placement, order_id: str, missing: bool) -> None:
    """Queue one Wix webhook event's deliveries (none when missing, two when duplicated)."""
    placement.faults["events"] += 1
    if missing:
        return
    placement.deliveries.append(order_id)
    if rng.random() < SHARES["duplicated"]:
        placement.deliveries.append(order_id)
        placement.faults["duplicated"] += 1


async def place_wix(
    bench: OrdersBench, rng: random.Random, order: PlannedOrder, p: Placement
) -> None:
    """Place on the Wix site; queue its webhook (late when out of order); cancel if "before"."""
    lines = [{"sku": sku, "quantity": q} for sku, q in order.lines]
    placed = await _admin(bench.admin_wix, f"/sites/{WIX_SITE}/orders", {"lines": lines})
    order.external_id = str(placed["id"])
    p.faults["missing"] += int(order.missing)
    if order.out_of_order and not order.missing:
        p.faults["out_of_order"] += 1
        p.faults["events"] += 1
        p.late.append(order.external_id)
    else:
        deliver(rng, p, order.external_id, order.missing)
    if order.cancel == "before":
        await cancel(bench, rng, order, p)


async def cancel(bench: OrdersBench, rng: random.Random, order: PlannedOrder, p: Placement) -> None:
    """The buyer cancels (Wix: the cancellation's webhook is queued like any other event)."""
    p.faults["cancelled"] += 1
    if order.account != "wix":
        await _admin(bench.admin_allegro, f"/orders/{order.external_id}/cancel")
        return
    await _admin(bench.admin_wix, f"/sites/{WIX_SITE}/orders/{order.external_id}/cancel")
    deliver(rng, p, order.external_id, False)


async def place_all(bench: OrdersBench, rng: random.Random, lines: int) -> Placement:
    """Plan and place every order (the "before" cancellations included)."""
    placement = Placement(orders=plan_orders(rng, bench.skus, lines))
    for order in placement.orders:
        if order.account == "wix":
            await place_wix(bench, rng, order, placement)
        else:
            await place_allegro(bench, rng, order, placement.faults)
            placement.faults["cancelled"] += int(order.cancel == "before")
    return placement
