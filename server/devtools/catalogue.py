"""A made-up but realistic-looking product catalogue and stock history for the demo and benchmarks.

Everything comes from a seeded `random.Random`, so the same seed gives the same catalogue.
"""

from __future__ import annotations

import random
from typing import NamedTuple

WAREHOUSES = (("A", "Main warehouse"), ("B", "Overflow"))

_BRANDS = (
    "Nordvik", "Hearthline", "Kestrel", "Lumio", "Brightwood", "Vasta", "Oakridge", "Polaris",
    "Tundra", "Marlow", "Corvo", "Sienna", "Ferro", "Ardent", "Willow & Co", "Baltica",
)  # fmt: skip
_WEAR = ("S", "M", "L", "XL")
_VOLUME = ("250 ml", "350 ml", "500 ml", "750 ml")
_LENGTH = ("20 cm", "24 cm", "28 cm", "32 cm")
_PACK = ("single", "set of 2", "set of 4")
_ONE = ("one size",)
_ITEMS = (
    ("Desk Lamp", "lighting", _ONE), ("Ceramic Mug", "kitchen", _VOLUME),
    ("Cast Iron Skillet", "kitchen", _LENGTH), ("Chef's Knife", "kitchen", _LENGTH),
    ("Cutting Board", "kitchen", _LENGTH), ("Wool Throw", "home", _ONE),
    ("Linen Cushion Cover", "home", _PACK), ("Wall Clock", "home", _LENGTH),
    ("Plant Pot", "garden", _LENGTH), ("Pruning Shears", "garden", _ONE),
    ("Yoga Mat", "sport", _ONE), ("Water Bottle", "sport", _VOLUME),
    ("Hiking Backpack", "outdoor", ("20 l", "30 l", "45 l")), ("Camping Lantern", "outdoor", _ONE),
    ("Rain Jacket", "outdoor", _WEAR), ("Merino T-Shirt", "apparel", _WEAR),
    ("Bluetooth Speaker", "electronics", _ONE), ("USB-C Charger", "electronics", ("30 W", "65 W")),
    ("Wireless Mouse", "electronics", _ONE), ("Notebook", "stationery", ("A5", "A4")),
    ("Fountain Pen", "stationery", _ONE), ("Scented Candle", "home", _PACK),
    ("Bath Towel", "bath", ("50x90 cm", "70x140 cm")), ("Tea Kettle", "kitchen", ("1 l", "1.7 l")),
    ("French Press", "kitchen", _VOLUME), ("Picture Frame", "home", ("A5", "A4", "A3")),
)  # fmt: skip
_FINISHES = (
    "Oak", "Walnut", "Matte Black", "Brushed Steel", "Sage Green", "Terracotta", "Navy",
    "Charcoal", "Sand", "Ivory", "Copper", "Slate Grey",
)  # fmt: skip
_CLAIMS = (
    "Built to last and easy to care for.",
    "A customer favourite, restocked every season.",
    "Designed in-house and tested for everyday use.",
    "Packed in recyclable cardboard, no plastic.",
    "Covered by a two-year warranty.",
    "Pairs well with the rest of the range.",
)


class DemoProduct(NamedTuple):
    """One catalogue item to create."""

    sku: str
    name: str
    ean: str | None
    description: str
    category: str


class Step(NamedTuple):
    """One ledger operation of a product's history; `target` is set for transfers."""

    kind: str  # "receive" | "sell" | "transfer" | "adjust"
    warehouse: str
    quantity: int
    target: str = ""


def ean13(body: str) -> str:
    """Append the GS1 check digit to a 12-digit body."""
    digits = [int(d) for d in body]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return body + str((10 - total % 10) % 10)


def _product(rng: random.Random, number: int) -> DemoProduct:
    item, category, sizes = rng.choice(_ITEMS)
    brand, finish, size = rng.choice(_BRANDS), rng.choice(_FINISHES), rng.choice(sizes)
    sized = "" if size == "one size" else f", {size}"
    ean = ean13(f"590{rng.randrange(10**9):09d}") if rng.random() < 0.9 else None
    claims = " ".join(rng.sample(_CLAIMS, 2))
    description = f"{item} by {brand} in {finish.lower()}{sized}. {claims}"
    name = f"{brand} {item}, {finish}{sized}"
    return DemoProduct(f"SB-{number:05d}", name, ean, description, category)


def products(count: int, seed: int = 2026) -> list[DemoProduct]:
    """`count` products with SKUs SB-00001…; about nine in ten carry a valid EAN-13."""
    rng = random.Random(seed)
    return [_product(rng, number) for number in range(1, count + 1)]


def history(rng: random.Random) -> list[Step]:
    """Opening receipts in both warehouses, then sales, transfers, restocks and a count.

    Quantities are tracked while planning, so no step asks for more than a warehouse holds.
    """
    held = {"A": rng.randint(20, 200), "B": rng.randint(0, 60)}
    steps = [Step("receive", code, qty) for code, qty in held.items() if qty > 0]
    for _ in range(rng.randint(0, 5)):
        roll, code = rng.random(), rng.choice(("A", "B"))
        other = "B" if code == "A" else "A"
        if roll < 0.55 and held[code] > 0:
            qty = rng.randint(1, min(5, held[code]))
            steps.append(Step("sell", code, qty))
            held[code] -= qty
        elif roll < 0.75 and held[code] > 1:
            qty = rng.randint(1, held[code] // 2)
            steps.append(Step("transfer", code, qty, other))
            held[code], held[other] = held[code] - qty, held[other] + qty
        elif roll < 0.9:
            qty = rng.randint(5, 50)
            steps.append(Step("receive", code, qty))
            held[code] += qty
        else:
            counted = max(0, held[code] + rng.randint(-3, 2))
            steps.append(Step("adjust", code, counted))
            held[code] = counted
    return steps
