"""The soak's load: random ledger operations and marketplace orders, with the ground truth.

Stock operations go through the ledger (receive, sell, adjust, transfer between A and B), so the
event path pushes them. Orders are placed through the sandboxes' admin APIs: Allegro purchases
with a duplicated READY_FOR_PROCESSING event or their events delivered out of order, Wix orders;
some are cancelled a little later. Every placed order is kept as `PlacedOrder`, what the soak
later holds the deductions against. A refusal (too little stock, a dropped database connection)
is counted, never hidden.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from server.domain.db import fetch
from server.domain.ledger import adjust, receive, sell, transfer
from server.domain.refs import Actor

ACTOR = Actor(email="soak@example.com", source="manual")
ALLEGRO_EVENT_ORDERS = (
    ["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "READY_FOR_PROCESSING"],
    ["READY_FOR_PROCESSING", "BOUGHT", "FILLED_IN"],
    ["FILLED_IN", "READY_FOR_PROCESSING", "BOUGHT", "READY_FOR_PROCESSING"],
    ["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"],
)
"""Journals an Allegro purchase may show: duplicated and out-of-order READY_FOR_PROCESSING."""


@dataclass
class PlacedOrder:
    """One order as the marketplace holds it: account, id, SKU units, cancelled or not."""

    account_id: int
    external_id: str
    units: dict[str, int]
    cancelled: bool = False


@dataclass
class Target:
    """Where orders go: an account and the items of its listings (SKU, item ids)."""

    account_id: int
    marketplace: str
    address: str
    """The Wix site id or the Allegro seller login."""
    items: list[dict[str, Any]]


@dataclass
class Load:
    """The load generator's state: the targets, the placed orders and the counters."""

    skus: list[str]
    targets: list[Target]
    urls: dict[str, str]
    rng: random.Random
    orders: list[PlacedOrder] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    async def stock_operation(self) -> None:
        """One random ledger operation on a random SKU (a refusal is counted)."""
        sku, rng = self.rng.choice(self.skus), self.rng
        kind = rng.choice(["receive", "sell", "adjust", "transfer"])
        try:
            if kind == "receive":
                await receive(sku, rng.choice("AB"), rng.randint(1, 5), actor=ACTOR)
            elif kind == "sell":
                await sell(sku, "A", rng.randint(1, 3), actor=ACTOR)
            elif kind == "adjust":
                await adjust(sku, "B", rng.randint(0, 30), reason="soak count", actor=ACTOR)
            else:
                await transfer(sku, "A", "B", rng.randint(1, 3), actor=ACTOR)
        except Exception as error:
            self.counts[f"refused:{type(error).__name__}"] += 1
            return
        self.counts["operations"] += 1

    async def place_order(self, client: httpx.AsyncClient) -> PlacedOrder | None:
        """One order on a random account; None when the sandbox refused it."""
        target = self.rng.choice(self.targets)
        picked = [(item, self.rng.randint(1, 2)) for item in self.rng.sample(target.items, k=2)]
        picked = picked[: self.rng.randint(1, 2)]
        units: Counter[str] = Counter()
        for item, quantity in picked:
            units[item["sku"]] += quantity
        if target.marketplace == "allegro":
            body: dict[str, Any] = {
                "lines": [{"offerId": i["offer"], "quantity": q} for i, q in picked],
                "eventOrder": self.rng.choice(ALLEGRO_EVENT_ORDERS),
            }
            url = f"{self.urls['allegro']}/_sandbox/sellers/{target.address}/orders"
        else:
            lines = [
                {"product_id": i["product"], "variant_id": i["variant"], "quantity": q}
                for i, q in picked
            ]
            body = {"lines": lines}
            url = f"{self.urls['wix']}/_sandbox/sites/{target.address}/orders"
        answer = await client.post(url, json=body)
        if answer.status_code != 201:
            self.counts["orders_refused"] += 1
            return None
        order = PlacedOrder(target.account_id, str(answer.json()["id"]), dict(units))
        self.orders.append(order)
        return order

    async def cancel(self, client: httpx.AsyncClient, order: PlacedOrder) -> None:
        """Cancel an order on its marketplace (the buyer changed their mind)."""
        target = next(t for t in self.targets if t.account_id == order.account_id)
        if target.marketplace == "allegro":
            url = f"{self.urls['allegro']}/_sandbox/orders/{order.external_id}/cancel"
            answer = await client.post(url, json={})
        else:
            site = target.address
            url = f"{self.urls['wix']}/_sandbox/sites/{site}/orders/{order.external_id}/cancel"
            answer = await client.post(url)
        answer.raise_for_status()
        order.cancelled = True

    async def orders_loop(self, stop: asyncio.Event, every_s: float, cancel_share: float) -> None:
        """Place an order every `every_s`; cancel a share of them a few seconds later."""
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            to_cancel: list[tuple[float, PlacedOrder]] = []
            loop = asyncio.get_running_loop()
            while not stop.is_set():
                order = await self.place_order(client)
                if order is not None and self.rng.random() < cancel_share:
                    to_cancel.append((loop.time() + self.rng.uniform(1, 8), order))
                due = [entry for entry in to_cancel if entry[0] <= loop.time()]
                for entry in due:
                    to_cancel.remove(entry)
                    await self.cancel(client, entry[1])
                await sleep_unless(stop, every_s)
            for _, order in to_cancel:
                await self.cancel(client, order)

    async def stock_loop(self, stop: asyncio.Event, every_s: float) -> None:
        """A random stock operation every `every_s` until `stop`."""
        while not stop.is_set():
            await self.stock_operation()
            await sleep_unless(stop, every_s)


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less when `stop` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return


async def order_targets(accounts: dict[str, int], addresses: dict[str, str]) -> list[Target]:
    """Each account's listed items (SKU with a product; Allegro offers on sale with stock)."""
    targets = []
    for name, account_id in accounts.items():
        rows = await fetch(
            "SELECT l.product AS sku, l.allegro_offer_id AS offer, l.wix_product_id AS product, "
            "l.wix_variant_id AS variant, a.marketplace FROM listing l "
            "JOIN marketplace_account a ON a.id = l.account WHERE l.account = {} AND l.active "
            "ORDER BY l.id",
            account_id,
        )
        if rows:
            marketplace = str(rows[0]["marketplace"])
            targets.append(Target(account_id, marketplace, addresses[name], rows))
    return targets
