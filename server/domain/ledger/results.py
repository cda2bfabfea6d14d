"""What each ledger operation returns."""

from __future__ import annotations

import msgspec


class StockChange(msgspec.Struct, kw_only=True):
    """The outcome of a receipt or adjustment."""

    operation_id: int
    sku: str
    warehouse: str
    quantity_delta: int
    quantity_after: int


class SaleResult(msgspec.Struct, kw_only=True):
    """A sale's outcome; `replayed` is set when its idempotency key returned an earlier sale."""

    sale_id: int
    operation_id: int
    sku: str
    warehouse: str
    quantity: int
    quantity_after: int
    replayed: bool = False


class TransferResult(msgspec.Struct, kw_only=True):
    """The outcome of a transfer between two warehouses."""

    transfer_id: int
    sku: str
    from_warehouse: str
    to_warehouse: str
    quantity: int
    from_quantity_after: int
    to_quantity_after: int
