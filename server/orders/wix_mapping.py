"""A Wix eCommerce order as an `OrderSnapshot`: its phase, and its lines with their product ids.

Phase, from `status` and `paymentStatus` (contract 5.3, [DOC] enums; Wix Orders API):

- `CANCELED` → CANCELLED (deducted lines come back when the account restocks on cancel).
- `paymentStatus` `FULLY_REFUNDED` → CANCELLED: the whole order was given back. Wix keeps a
  refunded order `APPROVED`, so the payment status decides. Whether the goods physically came
  back is not in the order (Wix's refund restocks only what the seller ticks); the account's
  `restock_on_cancel` says what this seller wants.
- `APPROVED` (any other payment status) → READY. Wix approves an order when it is paid online,
  costs nothing, or is an offline order (`NOT_PAID`, `PENDING`, `PARTIALLY_PAID`: cash on
  delivery, bank transfer) [DOC], and Wix Stores takes approved orders' units out of its own
  inventory [contract 9.14, inferred]: the units are sold, so they are deducted here too.
  `PARTIALLY_REFUNDED` stays READY: the order does not say which units came back (per-line
  `refundQuantity`/`restockQuantity` exist but are not documented well enough to act on).
- `INITIALIZED` (checkout not finished; Search never returns it [DOC], Get Order may) and any
  status this code does not know → PENDING: recorded, nothing moved.

`archived` only hides an order in Wix's dashboard; it changes nothing here.

Edited orders (Wix's order editing) are read as they are now: a line added later is deducted, but
a deducted line whose quantity changed, or that was removed, is not adjusted (`apply_order` keeps
a moved line as it was); how Wix reports edits is not documented well enough to act on.

Lines: only Wix Stores items (`catalogReference.appId` in `STORES_APP_IDS`) hold our stock; other
apps' items (gift cards, bookings) and custom lines without a catalogue reference are SKIPPED with
the reason. `catalogItemId` is the Stores product id, `options.variantId` the variant id (V1's
option-less products carry the all-zero variant id [DOC-EX]), `physicalProperties.sku` the SKU.
"""

from __future__ import annotations

import datetime as dt

from server.domain.orders import OrderLineIn, OrderPhase, OrderSnapshot
from server.marketplaces.wix.orders import STORES_APP_IDS, WixOrder, WixOrderLineItem

READY_STATUSES = frozenset({"APPROVED"})
CANCELLED_STATUSES = frozenset({"CANCELED"})
CANCELLING_PAYMENTS = frozenset({"FULLY_REFUNDED"})
MAX_ID = 100
"""Longest id or SKU `order_import`/`order_line` keep; a longer SKU is not matched at all."""


class UnreadableOrderError(ValueError):
    """An order without what an import needs (an id, a usable `updatedDate`)."""


def parse_wix_time(value: str | None) -> dt.datetime | None:
    """A Wix ISO-8601 timestamp (`2023-11-10T08:53:44.343Z`) as an aware datetime."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def wix_time(moment: dt.datetime) -> str:
    """An aware datetime the way Wix writes timestamps: UTC, milliseconds, `Z`."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def order_phase(status: str | None, payment_status: str | None) -> OrderPhase:
    """What the order's statuses mean for our stock (see the module docstring)."""
    if status in CANCELLED_STATUSES or payment_status in CANCELLING_PAYMENTS:
        return OrderPhase.CANCELLED
    if status in READY_STATUSES:
        return OrderPhase.READY
    return OrderPhase.PENDING


def skip_reason(item: WixOrderLineItem) -> str | None:
    """Why a line moves none of our stock, or None for a Wix Stores product line."""
    reference = item.catalog_reference
    if reference is None or not reference.catalog_item_id:
        return "custom line item: no catalogue reference"
    if reference.app_id not in STORES_APP_IDS:
        return f"not a Wix Stores item (catalogue app {reference.app_id or 'unknown'})"
    if item.quantity <= 0:
        return f"quantity {item.quantity}"
    return None


def line_in(item: WixOrderLineItem) -> OrderLineIn:
    """One line with the ids that find its product."""
    reference = item.catalog_reference
    return OrderLineIn(
        external_line_id=item.id,
        quantity=max(item.quantity, 0),
        name=item.name,
        wix_product_id=reference.catalog_item_id if reference else None,
        wix_variant_id=reference.variant_id if reference else None,
        external_sku=item.sku if item.sku and len(item.sku) <= MAX_ID else None,
        skip_reason=skip_reason(item),
    )


def order_time(order: WixOrder) -> dt.datetime:
    """When the order last changed (`updatedDate`, else `createdDate`)."""
    moment = parse_wix_time(order.updated_date) or parse_wix_time(order.created_date)
    if moment is None:
        raise UnreadableOrderError(f"order {order.id} has no readable updatedDate")
    return moment


def snapshot_of(order: WixOrder) -> OrderSnapshot:
    """The order as `apply_order` takes it."""
    if not order.id:
        raise UnreadableOrderError("an order without an id")
    if len(order.id) > MAX_ID:
        raise UnreadableOrderError(f"order id longer than {MAX_ID}: {order.id[:MAX_ID]}…")
    unusable = [n for n, item in enumerate(order.line_items) if not 0 < len(item.id) <= MAX_ID]
    if unusable:
        raise UnreadableOrderError(f"order {order.id}: line(s) {unusable} have no usable id")
    status = order.status or "UNKNOWN"
    if order.payment_status:
        status = f"{status}/{order.payment_status}"
    buyer = (order.buyer_info or {}).get("email") or ""
    return OrderSnapshot(
        external_id=order.id,
        phase=order_phase(order.status, order.payment_status),
        status=status[:32],
        lines=tuple(line_in(item) for item in order.line_items),
        revision=order.updated_date,
        buyer=str(buyer),
        updated_at=order_time(order),
    )
