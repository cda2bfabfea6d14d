"""`/api/orders`: imported orders, their lines and stock moves, conflicts, and "import now".

Everyone reads; admins resolve conflicts and start imports. An import is queued by job name
(`server.orders.jobs.IMPORT_ACCOUNT_ORDERS`) with one job id per account: asking twice queues once.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.api.deps import api_actor
from server.api.order_schemas import ImportQueued, ImportRequest, ResolveIn
from server.domain.orders import queries
from server.domain.orders.manual import ResolvedLine, import_target_accounts, resolve_line
from server.domain.orders.queries import (
    ORDER_STATES,
    ConflictPage,
    OrderDetail,
    OrderPage,
    clean_state,
)
from server.domain.validation import MAX_ID
from server.orders.jobs import enqueue_order_imports
from server.web.guards import require_admin, require_user

Before = Annotated[
    int | None, QueryParameter(ge=1, le=MAX_ID, description="id of the last row seen")
]
Limit = Annotated[int, QueryParameter(ge=1, le=200)]
AccountFilter = Annotated[
    int | None, QueryParameter(ge=1, le=MAX_ID, description="a marketplace account")
]


class OrderController(Controller):
    """Orders imported from the marketplaces."""

    path = "/api/orders"
    tags = ["orders"]

    @get("/", guards=[require_user], operation_id="listOrders")
    async def list_orders(
        self,
        account_id: AccountFilter = None,
        order_state: Annotated[
            str | None,
            QueryParameter(
                name="state",
                max_length=16,
                description="the import's state",
                schema_extra={"enum": list(ORDER_STATES)},
            ),
        ] = None,
        status: Annotated[
            str | None, QueryParameter(max_length=32, description="the marketplace's status")
        ] = None,
        conflicts: Annotated[
            bool | None, QueryParameter(description="only orders with (or without) a conflict")
        ] = None,
        limit: Limit = 50,
        before: Before = None,
    ) -> OrderPage:
        """Orders newest first; pass `next_before` back as `before` for the next page."""
        return await queries.list_orders(
            account_id=account_id,
            state=clean_state(order_state),
            status=status,
            conflicts=conflicts,
            before=before,
            limit=limit,
        )

    @get("/conflicts", guards=[require_user], operation_id="listOrderConflicts")
    async def list_conflicts(
        self, account_id: AccountFilter = None, limit: Limit = 50, before: Before = None
    ) -> ConflictPage:
        """Lines that matched no product (or too little stock), newest first, with their order."""
        return await queries.list_conflicts(account_id=account_id, before=before, limit=limit)

    @get("/{order_id:int}", guards=[require_user], operation_id="getOrder")
    async def get_order(self, order_id: FromPath[int]) -> OrderDetail:
        """One order with its lines and the stock movements they caused; 404 for an unknown id."""
        return await queries.get_order(order_id)

    @post(
        "/lines/{line_id:int}/resolve",
        guards=[require_admin],
        status_code=200,
        operation_id="resolveOrderLine",
    )
    async def resolve(
        self, request: Request[Any, Any, Any], line_id: FromPath[int], data: JSONBody[ResolveIn]
    ) -> ResolvedLine:
        """Map a CONFLICT line to a product and deduct it once.

        404 naming `line_id` or `sku` when unknown; 409 when the line is not a conflict (e.g.
        resolved already) or no source warehouse has the units (the line stays a conflict).
        """
        return await resolve_line(line_id, data.sku, actor=api_actor(request))

    @post("/import", guards=[require_admin], status_code=202, operation_id="importOrders")
    async def start_import(
        self, request: Request[Any, Any, Any], data: JSONBody[ImportRequest]
    ) -> ImportQueued:
        """Queue an order import of every active account, or of one (`scope: account`).

        422 naming the field for a missing or misplaced `account_id`, 404 for an unknown account,
        409 for a deactivated one. An account whose import is already queued is not queued twice.
        """
        account_ids = await import_target_accounts(data.scope, data.account_id)
        queued, waiting = await enqueue_order_imports(request.app.state.arq, account_ids)
        return ImportQueued(enqueued=queued, already_queued=waiting)
