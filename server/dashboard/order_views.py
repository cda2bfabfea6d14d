"""Order pages: the list of imported orders (filters, paging, "Import now"), one order with its
lines and the stock they moved, and the conflicts a person resolves by naming the product.

The forms that change things are in `server.dashboard.order_forms`; refused forms re-render these
pages through `orders_page` and `conflicts_page`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from server.dashboard.context import FormError, render
from server.domain.accounts import list_accounts
from server.domain.orders import queries
from server.web.guards import require_user

PAGE_SIZE = 50
CONFLICTS_FILTER = {"yes": True, "no": False}
STATE_CLASSES = {
    "OPEN": "run-running",
    "DONE": "run-completed",
    "CONFLICT": "run-failed",
    "CANCELLED": "run-pending",
    "MERGED": "run-pending",
    "QUARANTINED": "run-skipped",
    "NEW": "run-pending",
    "DEDUCTED": "run-completed",
    "RESTOCKED": "run-running",
    "SKIPPED": "run-skipped",
}
"""Badge colours of order states and line statuses (the sync pages' run colours)."""


def _link(path: str, params: dict[str, Any]) -> str:
    """`path` with the non-empty `params` as its query string."""
    kept = {key: value for key, value in params.items() if value not in (None, "")}
    return path + (f"?{urlencode(kept)}" if kept else "")


async def orders_page(
    request: Request[Any, Any, Any],
    *,
    filters: dict[str, Any] | None = None,
    before: int | None = None,
    form_error: FormError | None = None,
    status: int = 200,
) -> Template:
    """The order list with its filters, the number of open conflicts and the import form."""
    chosen = filters or {}
    page = await queries.list_orders(
        account_id=chosen.get("account"),
        state=queries.clean_state(chosen.get("state")),
        status=chosen.get("status") or None,
        conflicts=CONFLICTS_FILTER.get(chosen.get("conflicts", "")),
        before=before,
        limit=PAGE_SIZE,
    )
    next_url = None
    if page.next_before is not None:
        next_url = _link("/orders", {**chosen, "before": page.next_before})
    return render(
        request,
        "orders.html",
        status=status,
        nav="orders",
        page=page,
        filters=chosen,
        first_url=_link("/orders", chosen) if before is not None else None,
        next_url=next_url,
        accounts=await list_accounts(),
        states=queries.ORDER_STATES,
        state_classes=STATE_CLASSES,
        conflicts_total=(await queries.list_conflicts(limit=1)).total,
        form_error=form_error,
    )


@get("/orders", name="dashboard:orders", guards=[require_user], include_in_schema=False)
async def order_list(
    request: Request[Any, Any, Any],
    account: Annotated[int | None, QueryParameter(ge=1)] = None,
    order_state: Annotated[str, QueryParameter(name="state", max_length=16)] = "",
    status: Annotated[str, QueryParameter(max_length=32)] = "",
    conflicts: Annotated[str, QueryParameter(max_length=3)] = "",
    before: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> Template:
    """Imported orders newest first, filtered by account, state, marketplace status, conflicts."""
    filters = {
        "account": account,
        "state": order_state.strip().upper(),
        "status": status.strip(),
        "conflicts": conflicts if conflicts in CONFLICTS_FILTER else "",
    }
    return await orders_page(request, filters=filters, before=before)


@get(
    "/orders/{order_id:int}", name="dashboard:order", guards=[require_user], include_in_schema=False
)
async def order_detail(request: Request[Any, Any, Any], order_id: FromPath[int]) -> Template:
    """One order: its lines, the product each matched, and the stock movements they caused."""
    return render(
        request,
        "order.html",
        nav="orders",
        order=await queries.get_order(order_id),
        state_classes=STATE_CLASSES,
    )


async def conflicts_page(
    request: Request[Any, Any, Any],
    *,
    account: int | None = None,
    before: int | None = None,
    form_error: FormError | None = None,
    status: int = 200,
) -> Template:
    """Every CONFLICT line (paged), each with its form to map it to a product (admins)."""
    page = await queries.list_conflicts(account_id=account, before=before, limit=PAGE_SIZE)
    shown = {f"resolve-{line.line_id}" for line in page.items}
    next_url = None
    if page.next_before is not None:
        next_url = _link("/orders/conflicts", {"account": account, "before": page.next_before})
    return render(
        request,
        "order_conflicts.html",
        status=status,
        nav="orders",
        page=page,
        account=account,
        accounts=await list_accounts(),
        first_url=_link("/orders/conflicts", {"account": account}) if before else None,
        next_url=next_url,
        form_error=form_error,
        stray_error=form_error if form_error and form_error.form not in shown else None,
    )


@get(
    "/orders/conflicts",
    name="dashboard:order-conflicts",
    guards=[require_user],
    include_in_schema=False,
)
async def conflict_list(
    request: Request[Any, Any, Any],
    account: Annotated[int | None, QueryParameter(ge=1)] = None,
    before: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> Template:
    """Order lines that matched no product or found too little stock, newest first."""
    return await conflicts_page(request, account=account, before=before)
