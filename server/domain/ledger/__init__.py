"""The stock ledger: every change to stock goes through one of these four operations."""

from server.domain.ledger.adjustments import adjust
from server.domain.ledger.receipts import receive
from server.domain.ledger.results import SaleResult, StockChange, TransferResult
from server.domain.ledger.sales import sell
from server.domain.ledger.stock_rows import MAX_QUANTITY
from server.domain.ledger.transfers import transfer

__all__ = [
    "MAX_QUANTITY",
    "SaleResult",
    "StockChange",
    "TransferResult",
    "adjust",
    "receive",
    "sell",
    "transfer",
]
