"""Request and response bodies of the JSON API (msgspec Structs; unknown fields are refused)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from server.domain.ledger import MAX_QUANTITY
from server.domain.operations import OperationRecord
from server.domain.validation import MAX_ID

Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["SB-00001"])]
WarehouseCode = Annotated[str, msgspec.Meta(min_length=1, max_length=16, examples=["A"])]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]
Reason = Annotated[str, msgspec.Meta(max_length=500)]
RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base for bodies we receive: a misspelt field is an error, not silently ignored."""


class ProductCreate(Input):
    """A new product."""

    sku: Sku
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    ean: Annotated[str, msgspec.Meta(max_length=13)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    is_sync_enabled: bool = True


class WarehouseCreate(Input):
    """A new warehouse."""

    code: WarehouseCode
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class ReceiptIn(Input):
    """Goods received into a warehouse."""

    sku: Sku
    warehouse: WarehouseCode
    quantity: Quantity
    reason: Reason = ""


class SaleIn(Input):
    """Units sold; a repeated idempotency key returns the first sale and changes nothing."""

    sku: Sku
    warehouse: WarehouseCode
    quantity: Quantity
    idempotency_key: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class TransferIn(Input):
    """Units moved between warehouses."""

    sku: Sku
    from_warehouse: WarehouseCode
    to_warehouse: WarehouseCode
    quantity: Quantity
    reason: Reason = ""


class AdjustmentIn(Input):
    """An absolute count after a stock-take, with the reason for the difference."""

    sku: Sku
    warehouse: WarehouseCode
    quantity: Count
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class TokenRequest(Input):
    """Credentials exchanged for an API token."""

    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    name: Annotated[str, msgspec.Meta(max_length=100)] = ""


class TokenOut(msgspec.Struct, kw_only=True):
    """A new API token: the secret is shown this once."""

    token: str
    id: int
    prefix: str
    name: str
    token_type: str = "Bearer"


class OperationPage(msgspec.Struct, kw_only=True):
    """A page of history; pass `next_before` as `before` to get the next page."""

    items: list[OperationRecord]
    next_before: int | None


class HealthOut(msgspec.Struct, kw_only=True):
    """Whether the process can reach what it needs."""

    status: str
    database: str
    redis: str
