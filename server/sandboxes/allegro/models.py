"""The Allegro sandbox's in-memory records and its clock.

Records are plain mutable Structs owned by `AllegroStore`; handlers never keep references across
requests. Times are sandbox-clock datetimes so tests can move time forward (token expiry, command
delays) without sleeping.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Literal

import msgspec

OfferStatus = Literal["INACTIVE", "ACTIVATING", "ACTIVE", "ENDED"]
TaskStatus = Literal["NEW", "SUCCESS", "FAIL"]
CommandKind = Literal["quantity", "publication"]


class SandboxClock:
    """Real time plus an offset that tests and the admin API can advance."""

    def __init__(self) -> None:
        """Start at the real time."""
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        """The sandbox's current time (aware, UTC)."""
        return dt.datetime.now(dt.UTC) + self._offset

    def seconds(self) -> float:
        """A monotonic reading that moves with `advance` (rate-limit windows run on it)."""
        return time.monotonic() + self._offset.total_seconds()

    def advance(self, seconds: float) -> None:
        """Move the sandbox's time forward."""
        self._offset += dt.timedelta(seconds=seconds)


def iso(moment: dt.datetime | None) -> str | None:
    """Allegro's timestamp form: ISO-8601 UTC with milliseconds and `Z`."""
    if moment is None:
        return None
    return (
        moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}Z"
    )


class Seller(msgspec.Struct, kw_only=True):
    """An Allegro account that can authorise the app and owns offers and orders."""

    id: str
    login: str
    email: str
    first_name: str = "Jan"
    last_name: str = "Kowalski"


class Offer(msgspec.Struct, kw_only=True):
    """One offer; `external_id` is the seller's SKU."""

    id: str
    seller_id: str
    name: str
    external_id: str | None
    available: int
    price: str = "99.00"
    unit: str = "UNIT"
    sold: int = 0
    status: OfferStatus = "ACTIVE"
    ended_by: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None


class AccessToken(msgspec.Struct, kw_only=True):
    """An issued access token (valid until `expires_at` unless revoked by a refresh)."""

    seller_id: str
    client_id: str
    scope: str
    expires_at: dt.datetime
    revoked: bool = False


class RefreshToken(msgspec.Struct, kw_only=True):
    """A single-use refresh token; `used_at` is set on its first (rotating) use."""

    seller_id: str
    client_id: str
    scope: str
    expires_at: dt.datetime
    access_token: str
    used_at: dt.datetime | None = None


class DeviceCode(msgspec.Struct, kw_only=True):
    """A device-flow authorisation waiting for the seller's decision."""

    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: dt.datetime
    interval_s: int
    decision: Literal["pending", "approved", "denied"] = "pending"
    seller_id: str | None = None
    last_poll: dt.datetime | None = None


class Operation(msgspec.Struct, kw_only=True):
    """An accepted (202) PATCH of an offer, applied when `due_at` passes."""

    id: str
    offer_id: str
    patch: dict[str, object]
    started_at: dt.datetime
    due_at: dt.datetime
    applied: bool = False


class CommandTask(msgspec.Struct, kw_only=True):
    """The outcome for one offer of a command."""

    offer_id: str
    status: TaskStatus = "NEW"
    message: str = ""
    errors: list[dict[str, object]] = msgspec.field(default_factory=list)


class Command(msgspec.Struct, kw_only=True):
    """A quantity-change or publication command; it runs when the sandbox clock reaches `due_at`."""

    id: str
    kind: CommandKind
    seller_id: str
    body: bytes
    change: dict[str, object]
    offer_ids: list[str]
    created_at: dt.datetime
    visible_at: dt.datetime
    due_at: dt.datetime
    tasks: list[CommandTask] = msgspec.field(default_factory=list)
    completed_at: dt.datetime | None = None


class LineItem(msgspec.Struct, kw_only=True):
    """One bought offer in an order."""

    id: str
    offer_id: str
    offer_name: str
    external_id: str | None
    quantity: int
    price: str
    bought_at: dt.datetime


class Order(msgspec.Struct, kw_only=True):
    """A checkout form."""

    id: str
    seller_id: str
    buyer_login: str
    status: Literal["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED"]
    line_items: list[LineItem]
    updated_at: dt.datetime
    revision: str
    fulfillment_status: str = "NEW"
    fulfillment_provider: Literal["SELLER", "ALLEGRO"] = "SELLER"
    paid_at: dt.datetime | None = None


class OrderEvent(msgspec.Struct, kw_only=True):
    """One entry of a seller's order event journal."""

    id: str
    seller_id: str
    type: str
    order_id: str
    occurred_at: dt.datetime
