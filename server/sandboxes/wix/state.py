"""In-memory state of the Wix sandbox: sites, products, variants (with their stock) and orders.

One `Variant` holds the stock of one sellable item. On a V1 site the product's inventory item
groups its variants (tracking is per product); on a V3 site each variant is one inventory item at
the site's default location, with its own id, `revision` and tracking. Every change goes through
`touch_*`, which keeps timestamps, revisions and the V1 product-level `stock` consistent.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.sandboxes.wix.config import CatalogVersion

DEFAULT_VARIANT_ID = "00000000-0000-0000-0000-000000000000"
"""The one variant of a V1 product without options [DOC-EX]."""
STORES_APP_ID = "215238eb-22a5-4c36-9e7b-e7c08025e04e"
"""Wix Stores' app id, as order line items name it in `catalogReference.appId` [typings]."""
QUANTITY_LIMIT = 99_999
"""V3 quantities stay within ±99,999 [typings `@min -99999 @max 99999`]."""

Clock = Callable[[], float]


def iso(stamp: float) -> str:
    """A Wix timestamp: ISO-8601 UTC with milliseconds, e.g. `2020-12-15T14:00:27.415Z`."""
    moment = datetime.fromtimestamp(stamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id() -> str:
    """A fresh GUID."""
    return str(uuid.uuid4())


@dataclass
class Variant:
    """A sellable variant and its stock at the default location."""

    id: str
    sku: str
    choices: dict[str, str]
    item_id: str
    visible: bool = True
    track_quantity: bool = True
    quantity: int = 0
    in_stock: bool = True
    revision: int = 1
    created: float = 0.0
    updated: float = 0.0
    preorder_enabled: bool = False
    preorder_limit: int = 100_000
    preorder_counter: int = 0

    @property
    def available(self) -> bool:
        """Whether the variant can be bought now."""
        return self.quantity > 0 if self.track_quantity else self.in_stock


@dataclass
class Product:
    """A product with at least one variant; `numeric_id` orders the V1 crawl."""

    id: str
    name: str
    slug: str
    numeric_id: int
    inventory_item_id: str
    variants: list[Variant]
    visible: bool = True
    product_type: str = "physical"
    sku: str = ""
    manage_variants: bool = False
    price: float = 10.0
    revision: int = 1
    created: float = 0.0
    updated: float = 0.0
    inventory_updated: float = 0.0
    inventory_numeric_id: int = 0

    @property
    def track_quantity(self) -> bool:
        """V1 tracking of the whole product (all variants share it)."""
        return all(v.track_quantity for v in self.variants)

    def options(self) -> dict[str, list[str]]:
        """Option name → its choices, in first-seen order."""
        result: dict[str, list[str]] = {}
        for variant in self.variants:
            for name, value in variant.choices.items():
                values = result.setdefault(name, [])
                if value not in values:
                    values.append(value)
        return result

    def variant(self, variant_id: str) -> Variant | None:
        """The variant with this id, if any."""
        return next((v for v in self.variants if v.id == variant_id), None)


@dataclass
class OrderLine:
    """One line of an order: which variant, how many, and its SKU."""

    id: str
    product_id: str
    variant_id: str
    sku: str
    name: str
    quantity: int
    app_id: str = ""
    """The catalogue's app; empty for Wix Stores (another app's item: a gift card, a booking)."""


@dataclass
class Order:
    """An eCommerce order as Search Orders returns it."""

    id: str
    number: str
    created: float
    updated: float
    lines: list[OrderLine]
    status: str = "APPROVED"
    payment_status: str = "PAID"
    fulfillment_status: str = "NOT_FULFILLED"
    archived: bool = False


@dataclass
class Site:
    """One Wix site: credentials, catalogue version, products and orders."""

    site_id: str
    api_key: str
    catalog: CatalogVersion
    location_id: str = field(default_factory=new_id)
    products: dict[str, Product] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    next_numeric_id: int = 1_608_035_843_758_000
    next_order_number: int = 10_001
    _item_index: dict[str, tuple[Product, Variant]] = field(default_factory=dict, repr=False)

    def allocate_numeric_id(self) -> int:
        """The next strictly increasing numeric id (V1 `numericId`)."""
        self.next_numeric_id += 1_000
        return self.next_numeric_id

    def items(self) -> Iterator[tuple[Product, Variant]]:
        """Every (product, variant) pair, in product order."""
        for product in self.products.values():
            for variant in product.variants:
                yield product, variant

    def item(self, item_id: str) -> tuple[Product, Variant] | None:
        """The V3 inventory item with this id (indexed; variants never change after seeding)."""
        if len(self._item_index) != sum(len(p.variants) for p in self.products.values()):
            self._item_index = {v.item_id: (p, v) for p, v in self.items()}
        return self._item_index.get(item_id)

    def by_inventory_id(self, inventory_id: str) -> Product | None:
        """The V1 product whose inventory item has this id."""
        return next(
            (p for p in self.products.values() if p.inventory_item_id == inventory_id), None
        )

    def by_sku(self, sku: str) -> tuple[Product, Variant] | None:
        """The first variant with this SKU (or the single variant of a product with this SKU)."""
        for product, variant in self.items():
            if variant.sku == sku or (product.sku == sku and len(product.variants) == 1):
                return product, variant
        return None


_VERSION = [0]


def version() -> int:
    """A counter that moves whenever anything in any sandbox changes (invalidates cached pages)."""
    return _VERSION[0]


def bump() -> None:
    """Note a change (see `version`)."""
    _VERSION[0] += 1


def touch_variant(product: Product, variant: Variant, now: float) -> None:
    """Record a stock change: bump the item's revision and both inventory timestamps."""
    bump()
    variant.revision += 1
    variant.updated = now
    product.inventory_updated = now


def set_quantity(product: Product, variant: Variant, quantity: int, now: float) -> None:
    """Set an absolute quantity and switch the variant to quantity tracking."""
    variant.quantity = quantity
    variant.track_quantity = True
    variant.in_stock = quantity > 0
    touch_variant(product, variant, now)


def v1_stock_status(product: Product) -> str:
    """V1 `stock.inventoryStatus`: IN_STOCK, OUT_OF_STOCK or PARTIALLY_OUT_OF_STOCK."""
    available = [v.available for v in product.variants]
    if all(available):
        return "IN_STOCK"
    return "PARTIALLY_OUT_OF_STOCK" if any(available) else "OUT_OF_STOCK"


def wall_clock() -> float:
    """Seconds since the epoch (the sandbox's default clock)."""
    return time.time()
