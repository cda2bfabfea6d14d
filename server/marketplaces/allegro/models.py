"""Allegro wire types the client reads and writes (msgspec), with one module-level decoder each.

Only the fields StockBridge uses are declared; everything else Allegro sends is ignored, so new
upstream fields never break decoding. Names follow the OpenAPI schemas (camelCase on the wire).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

OfferStatus = Literal["INACTIVE", "ACTIVATING", "ACTIVE", "ENDED"]


class Base(msgspec.Struct, rename="camel", kw_only=True):
    """camelCase on the wire, unknown fields ignored."""


class ErrorItem(Base):
    """One element of Allegro's `errors[]`."""

    code: str = ""
    message: str = ""
    details: str | None = None
    path: str | None = None
    user_message: str | None = None
    metadata: dict[str, str] | None = None


class ErrorsHolder(Base):
    """REST error body."""

    errors: list[ErrorItem] = msgspec.field(default_factory=list)


class OAuthErrorBody(msgspec.Struct, kw_only=True):
    """OAuth / 401 error body (`AuthError`)."""

    error: str = ""
    error_description: str | None = None


class Tokens(msgspec.Struct, kw_only=True, frozen=True):
    """A seller's token pair as StockBridge stores it; `expires_at` is the access token's expiry."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    scope: str = ""


class TokenResponse(msgspec.Struct, kw_only=True):
    """The token endpoint's 200 body."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"
    scope: str = ""


class DeviceAuthorization(msgspec.Struct, kw_only=True, frozen=True):
    """Device-flow start: show `user_code` and `verification_uri_complete` to the seller.

    `expires_in` and `interval` arrive as integers, or as strings in the PL docs' example; both
    are accepted (decoded non-strictly).
    """

    device_code: str
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int = 5
    verification_uri_complete: str | None = None


class Me(Base):
    """`GET /me`: the seller a token belongs to."""

    id: str
    login: str = ""
    email: str = ""


class External(Base):
    """`external` of an offer: the seller's SKU."""

    id: str | None = None


class ListingStock(Base):
    """`stock` in `GET /sale/offers`."""

    available: int = 0
    sold: int = 0


class ListingPublication(Base):
    """`publication` in `GET /sale/offers`."""

    status: OfferStatus | None = None


class Offer(Base):
    """One element of `GET /sale/offers` (`OfferListingDto`)."""

    id: str
    name: str = ""
    stock: ListingStock | None = None
    publication: ListingPublication | None = None
    external: External | None = None

    @property
    def sku(self) -> str | None:
        """The external id (SKU), if set."""
        return None if self.external is None else self.external.id

    @property
    def available(self) -> int:
        """`stock.available` (0 when absent)."""
        return 0 if self.stock is None else self.stock.available

    @property
    def status(self) -> OfferStatus | None:
        """`publication.status`."""
        return None if self.publication is None else self.publication.status


class OffersPage(Base):
    """`GET /sale/offers` response."""

    offers: list[Offer] = msgspec.field(default_factory=list)
    count: int = 0
    total_count: int = 0


class ProductStock(Base):
    """`stock` of a product-offer."""

    available: int = 0
    unit: str | None = None


class ProductPublication(Base):
    """`publication` of a product-offer."""

    status: OfferStatus | None = None
    ended_by: str | None = None


class ProductOffer(Base):
    """`SaleProductOfferResponseV1`, the fields a stock sync reads."""

    id: str
    name: str = ""
    stock: ProductStock | None = None
    publication: ProductPublication | None = None
    external: External | None = None

    @property
    def available(self) -> int:
        """`stock.available` (0 when absent)."""
        return 0 if self.stock is None else self.stock.available

    @property
    def status(self) -> OfferStatus | None:
        """`publication.status`."""
        return None if self.publication is None else self.publication.status


class OfferRef(Base):
    """`{"id": ...}`."""

    id: str


class OperationInfo(Base):
    """`operation` of a running PATCH."""

    id: str = ""
    status: str = ""


class OperationStatus(Base):
    """`SaleProductOfferStatusResponse` (202 while the PATCH runs)."""

    operation: OperationInfo = msgspec.field(default_factory=OperationInfo)


class TaskCount(Base):
    """`taskCount` of a command report."""

    total: int = 0
    success: int = 0
    failed: int = 0


class GeneralReport(Base):
    """A command's summary."""

    id: str
    task_count: TaskCount = msgspec.field(default_factory=TaskCount)
    created_at: str | None = None
    completed_at: str | None = None


class CommandTask(Base):
    """One offer's result in a command (`status`: NEW, SUCCESS or FAIL)."""

    offer: OfferRef
    status: str
    field: str | None = None
    message: str | None = None
    errors: list[ErrorItem] = msgspec.field(default_factory=list)


class TaskReport(Base):
    """A page of command tasks."""

    tasks: list[CommandTask] = msgspec.field(default_factory=list)


me_decoder = msgspec.json.Decoder(Me)
offers_page_decoder = msgspec.json.Decoder(OffersPage)
product_offer_decoder = msgspec.json.Decoder(ProductOffer)
operation_decoder = msgspec.json.Decoder(OperationStatus)
report_decoder = msgspec.json.Decoder(GeneralReport)
tasks_decoder = msgspec.json.Decoder(TaskReport)
token_decoder = msgspec.json.Decoder(TokenResponse)
device_decoder = msgspec.json.Decoder(DeviceAuthorization, strict=False)
errors_decoder = msgspec.json.Decoder(ErrorsHolder)
oauth_error_decoder = msgspec.json.Decoder(OAuthErrorBody)
encoder = msgspec.json.Encoder()
