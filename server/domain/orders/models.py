"""What order import knows of a marketplace order, independent of the marketplace.

Each importer (Allegro checkout forms, Wix orders) turns what it read into an `OrderSnapshot`:
the order's lines and one `OrderPhase` that says what the stock should now reflect. The snapshot
is always read fresh from the marketplace (never taken from an event or webhook body), so a
replayed, late or reordered event can only ever lead to the order's current truth.
"""

from __future__ import annotations

import datetime as dt
import enum

import msgspec


class OrderPhase(enum.StrEnum):
    """What the marketplace's current status means for our stock."""

    PENDING = "PENDING"
    """Bought but not ready (Allegro BOUGHT / FILLED_IN): recorded, nothing deducted yet."""
    READY = "READY"
    """Deduct every line once (Allegro READY_FOR_PROCESSING, Wix APPROVED)."""
    CANCELLED = "CANCELLED"
    """Give back what was deducted, once; lines never deducted are closed."""


class OrderLineIn(msgspec.Struct, frozen=True, kw_only=True):
    """One line as read from the marketplace; the fields that can identify the product."""

    external_line_id: str
    quantity: int
    name: str = ""
    offer_id: str | None = None
    wix_product_id: str | None = None
    wix_variant_id: str | None = None
    external_sku: str | None = None
    skip_reason: str | None = None
    """Set when the stock is not ours to move (e.g. Allegro One Fulfillment): line is SKIPPED."""


class OrderSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One order as the marketplace shows it now."""

    external_id: str
    phase: OrderPhase
    status: str
    lines: tuple[OrderLineIn, ...]
    revision: str | None = None
    buyer: str = ""
    updated_at: dt.datetime | None = None


class ApplyResult(msgspec.Struct, kw_only=True):
    """What applying one snapshot changed."""

    order_id: int
    state: str
    deducted: int = 0
    restocked: int = 0
    conflicts: int = 0
    stale: bool = False
    """The marketplace had shown a newer version of the order already: nothing was changed."""
    skus: list[str] = msgspec.field(default_factory=list)
    """SKUs whose stock moved (their pushes are enqueued after the commit)."""
