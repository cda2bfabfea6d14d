"""REST routes for orders: the event journal, its latest id, and checkout forms (read only)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from server.sandboxes.allegro import orders_logic, views
from server.sandboxes.allegro.errors import validation_error
from server.sandboxes.allegro.gate import authorize, int_query, reply, require
from server.sandboxes.allegro.models import iso

ORDER_STATUSES = ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED")


@get("/order/events", sync_to_thread=False)
def order_events(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Events after `from` (exclusive), oldest first; `type` repeatable; limit ≤ 1000."""
    caller = authorize(request)
    limit = int_query(request, "limit", default=100, low=1, high=1000, status=422)
    types = request.query_params.getall("type", [])
    found = orders_logic.events_after(
        caller.store, caller.seller.id, request.query_params.get("from"), types, limit
    )
    store = caller.store
    return reply({"events": [views.event(e, store.event_order(e.order_id)) for e in found]})


@get("/order/event-stats", sync_to_thread=False)
def order_event_stats(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The latest event's id, to start tailing from "now"."""
    caller = authorize(request)
    journal = caller.store.events.get(caller.seller.id, [])
    latest = journal[-1] if journal else None
    # With an empty journal the shape is undocumented; null is the sandbox's answer [inferred].
    body = None if latest is None else {"id": latest.id, "occurredAt": iso(latest.occurred_at)}
    return reply({"latestEvent": body})


@get("/order/checkout-forms", sync_to_thread=False)
def list_checkout_forms(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Checkout forms; limit ≤ 100 (422 beyond), `status`, `fulfillment.status`,
    `fulfillment.provider.id`, `updatedAt.gte/.lte`, `sort` (illegal values: 400, as the spec)."""
    caller = authorize(request)
    limit = int_query(request, "limit", default=100, low=1, high=100, status=422)
    offset = int_query(request, "offset", default=0, low=0, high=2**31 - 1, status=422)
    status = request.query_params.get("status")
    require(
        status is None or status in ORDER_STATUSES,
        validation_error(400, f"Illegal status value: {status}", "status"),
    )
    query = request.query_params
    found = orders_logic.checkout_forms(
        caller.store,
        caller.seller.id,
        orders_logic.FormFilter(
            status=status,
            fulfillment=query.get("fulfillment.status"),
            provider=query.get("fulfillment.provider.id"),
            updated_gte=orders_logic.query_time(query.get("updatedAt.gte"), "updatedAt.gte"),
            updated_lte=orders_logic.query_time(query.get("updatedAt.lte"), "updatedAt.lte"),
        ),
        query.get("sort", "-lineItems.boughtAt"),
    )
    page = found[offset : offset + limit]
    return reply(
        {
            "checkoutForms": [views.checkout_form(order) for order in page],
            "count": len(page),
            "totalCount": len(found),
        }
    )


@get("/order/checkout-forms/{form_id:str}", sync_to_thread=False)
def get_checkout_form(request: Request[Any, Any, Any], form_id: FromPath[str]) -> Response[bytes]:
    """One checkout form; 422 for a malformed UUID, 404 when unknown."""
    caller = authorize(request)
    order = orders_logic.find_order(caller.store, caller.seller.id, form_id)
    return reply(views.checkout_form(order))
