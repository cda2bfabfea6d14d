"""`/api/stock/*`: the four ledger operations. Each is one transaction; errors change nothing."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody

from server.api.deps import api_actor
from server.api.schemas import AdjustmentIn, ReceiptIn, SaleIn, TransferIn
from server.domain import ledger
from server.domain.ledger import SaleResult, StockChange, TransferResult
from server.web.guards import require_admin


class StockController(Controller):
    """Receive, sell, transfer and adjust stock (admins only)."""

    path = "/api/stock"
    tags = ["stock"]
    guards = [require_admin]

    @post("/receipts", operation_id="receiveStock")
    async def receive(
        self, request: Request[Any, Any, Any], data: JSONBody[ReceiptIn]
    ) -> StockChange:
        """Add received units to a warehouse."""
        return await ledger.receive(
            data.sku, data.warehouse, data.quantity, actor=api_actor(request), reason=data.reason
        )

    @post("/sales", operation_id="sellStock")
    async def sell(self, request: Request[Any, Any, Any], data: JSONBody[SaleIn]) -> SaleResult:
        """Take sold units out; 409 if there are too few. A reused key replays the first sale."""
        return await ledger.sell(
            data.sku,
            data.warehouse,
            data.quantity,
            actor=api_actor(request),
            idempotency_key=data.idempotency_key,
        )

    @post("/transfers", operation_id="transferStock")
    async def transfer(
        self, request: Request[Any, Any, Any], data: JSONBody[TransferIn]
    ) -> TransferResult:
        """Move units between warehouses."""
        return await ledger.transfer(
            data.sku,
            data.from_warehouse,
            data.to_warehouse,
            data.quantity,
            actor=api_actor(request),
            reason=data.reason,
        )

    @post("/adjustments", operation_id="adjustStock")
    async def adjust(
        self, request: Request[Any, Any, Any], data: JSONBody[AdjustmentIn]
    ) -> StockChange:
        """Set an absolute count, with a reason."""
        return await ledger.adjust(
            data.sku, data.warehouse, data.quantity, reason=data.reason, actor=api_actor(request)
        )
