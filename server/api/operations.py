"""`/api/operations`: the audit log, newest first, with keyset paging."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from server.api.schemas import OperationPage
from server.domain.operations import OperationType, list_operations
from server.domain.validation import MAX_ID
from server.web.guards import require_user


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
