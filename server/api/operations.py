"""`/api/operations`: the audit log, newest first, with keyset paging; reverting one operation."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter

from server.api.deps import api_actor
from server.api.schemas import OperationPage
from server.domain.operations import OperationRecord, OperationType, list_operations
from server.domain.rollback import revert_operation
from server.domain.validation import MAX_ID
from server.web.guards import require_admin, require_user


class OperationController(Controller):
    """History of every change."""

    path = "/api/operations"
    tags = ["operations"]

    @get("/", guards=[require_user], operation_id="listOperations")
    async def list_operations(
        self,
        sku: Annotated[str | None, QueryParameter(max_length=64)] = None,
        type: FromQuery[OperationType | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        before: Annotated[
            int | None, QueryParameter(ge=1, le=MAX_ID, description="id of the last row seen")
        ] = None,
    ) -> OperationPage:
        """Operations matching the filters; `next_before` pages further back."""
        items = await list_operations(
            sku=sku, op_type=type.value if type else None, before=before, limit=limit
        )
        next_before = items[-1].id if len(items) == limit else None
        return OperationPage(items=items, next_before=next_before)

    @post("/{operation_id:int}/revert", guards=[require_admin], operation_id="revertOperation")
    async def revert(
        self, request: Request[Any, Any, Any], operation_id: FromPath[int]
    ) -> OperationRecord:
        """Undo an edit or a receipt, sale, adjustment or transfer (201, the reverted operation).

        409 explains a refusal: already reverted, a field changed again later, too little stock
        to take back, or an order deduction (those belong to order import).
        """
        return await revert_operation(operation_id, actor=api_actor(request))
