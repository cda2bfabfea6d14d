"""In-memory state of the Wix sandbox: sites, products, variants (with their stock) and orders.

One `Variant` holds the stock of one sellable item. On a V1 site the product's inventory item
groups its variants (tracking is per product); on a V3 site each variant is one inventory item at
the site's default location, with its own id, `revision` and tracking. Every change goes through
`touch_*`, which keeps timestamps, revisions and the V1 product-level `stock` consistent.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from server.sandboxes.wix.config import CatalogVersion

DEFAULT_VARIANT_ID = "00000000-0000-0000-0000-000000000000"
"""The one variant of a V1 product without options [DOC-EX]."""
STORES_APP_ID = "215238eb-22a5-4c36-9e7b-e7c08025e04e"
"""Wix Stores' app id, as order line items name it in `catalogReference.appId` [typings]."""
QUANTITY_LIMIT = 99_999
"""V3 quantities stay within ±99,999 [typings `@min -99999 @max 99999`]."""

Clock = Callable[[], float]


@functools.lru_cache(maxsize=4096)
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
    _index: SiteIndex | None = field(default=None, repr=False)

    def allocate_numeric_id(self) -> int:
        """The next strictly increasing numeric id (V1 `numericId`)."""
        self.next_numeric_id += 1_000
        return self.next_numeric_id

    def items(self) -> Iterator[tuple[Product, Variant]]:
        """Every (product, variant) pair, in product order."""
        for product in self.products.values():
            for variant in product.variants:
                yield product, variant

    def index(self, *, rebuild: bool = False) -> SiteIndex:
        """Lookups by id, rebuilt when the number of products changed (or when asked)."""
        if rebuild or self._index is None or self._index.count != len(self.products):
            self._index = SiteIndex.build(self.products)
        return self._index

    def _current(self, entry: Any) -> bool:
        """Whether an index entry's product (and variant) are still the site's."""
        product: Product = entry[1]
        if self.products.get(product.id) is not product:
            return False
        return len(entry) < 3 or any(v is entry[2] for v in product.variants)

    def lookup(self, table: str, keys: Iterable[str]) -> list[Any]:
        """Index entries (`SiteIndex` tables) of the known keys; one rebuild if any is missing."""
        wanted = list(keys)
        found: list[Any] = []
        for rebuild in (False, True):
            rows = getattr(self.index(rebuild=rebuild), table)
            found = [rows.get(key) for key in wanted]
            if all(f is not None and self._current(f) for f in found):
                return found
        return [f for f in found if f is not None and self._current(f)]

    def item(self, item_id: str) -> tuple[Product, Variant] | None:
        """The V3 inventory item with this id."""
        found = self.lookup("items", [item_id])
        return (found[0][1], found[0][2]) if found else None

    def by_inventory_id(self, inventory_id: str) -> Product | None:
        """The V1 product whose inventory item has this id."""
        found = self.lookup("inventory", [inventory_id])
        return found[0][1] if found else None

    def by_sku(self, sku: str) -> tuple[Product, Variant] | None:
        """The first variant with this SKU (or the single variant of a product with this SKU)."""
        for product, variant in self.items():
            if variant.sku == sku or (product.sku == sku and len(product.variants) == 1):
                return product, variant
        return None


@dataclass
class SiteIndex:
    """A site's lookups; each entry starts with its position in `Site.items()` order."""

    count: int
    items: dict[str, tuple[int, Product, Variant]]
    """V3 inventory item id → (position, product, variant)."""
    inventory: dict[str, tuple[int, Product]]
    """V1 inventory item id → (product position, product)."""
    products: dict[str, tuple[int, Product]]
    """Product id → (product position, product)."""

    @classmethod
    def build(cls, products: dict[str, Product]) -> SiteIndex:
        """Index every product and variant, positions in iteration order."""
        items: dict[str, tuple[int, Product, Variant]] = {}
        inventory: dict[str, tuple[int, Product]] = {}
        by_id: dict[str, tuple[int, Product]] = {}
        item_position = 0
        for position, product in enumerate(products.values()):
            inventory.setdefault(product.inventory_item_id, (position, product))
            by_id[product.id] = (position, product)
            for variant in product.variants:
                items.setdefault(variant.item_id, (item_position, product, variant))
                item_position += 1
        return cls(len(products), items, inventory, by_id)


_VERSION = [0]
_STRUCTURE = [0]


def version() -> int:
    """A counter that moves whenever anything in any sandbox changes (invalidates cached pages)."""
    return _VERSION[0]


def bump() -> None:
    """Note a change (see `version`)."""
    _VERSION[0] += 1


def structure_version() -> int:
    """A counter that moves when sites are rebuilt: fields fixed at seeding stay until then."""
    return _STRUCTURE[0]


def restructure() -> None:
    """Note that sites were rebuilt (moves `version` too)."""
    _STRUCTURE[0] += 1
    bump()


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
