"""The order forms (admins): "Import now", and resolving a conflicting line by naming its product.

A refusal re-renders the page the form was on with the reason next to the form; a success ends
with a redirect and a flash message.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.context import FormError, dashboard_actor, redirect_with_flash
from server.dashboard.forms import form_values, whole_number
from server.dashboard.order_views import conflicts_page, orders_page
from server.domain.orders.manual import import_target_accounts, resolve_line
from server.errors import DomainError
from server.orders.jobs import enqueue_order_imports
from server.web.guards import require_admin

FormData = URLEncodedBody[dict[str, Any]]


def _import_message(queued: list[int], waiting: list[int]) -> str:
    if not queued and not waiting:
        return "No active account to import orders from."
    parts = []
    if queued:
        parts.append(f"Order import queued for {_accounts(len(queued))}.")
    if waiting:
        parts.append(f"Already queued or running for {_accounts(len(waiting))}.")
    return " ".join(parts)


def _accounts(count: int) -> str:
    return f"{count} account" + ("" if count == 1 else "s")


@post("/orders/import", guards=[require_admin], include_in_schema=False)
async def order_import(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Queue an order import of every active account, or of the one chosen."""
    values = form_values(data, "scope", "account_id")
    try:
        scope = values["scope"] or "all"
        account_id = whole_number(values, "account_id", "Account") if scope == "account" else None
        account_ids = await import_target_accounts(scope, account_id)
        queued, waiting = await enqueue_order_imports(request.app.state.arq, account_ids)
    except DomainError as error:
        form_error = FormError.from_domain("import", error, values)
        return await orders_page(request, form_error=form_error, status=error.status_code)
    return redirect_with_flash("/orders", _import_message(queued, waiting))


@post("/orders/lines/{line_id:int}/resolve", guards=[require_admin], include_in_schema=False)
async def line_resolve(
    request: Request[Any, Any, Any], line_id: FromPath[int], data: FormData
) -> Template | Redirect:
    """Map a conflicting line to the SKU typed; it deducts once and its order page is shown."""
    values = form_values(data, "sku")
    try:
        resolved = await resolve_line(line_id, values["sku"], actor=dashboard_actor(request))
    except DomainError as error:
        form_error = FormError.from_domain(f"resolve-{line_id}", error, values)
        return await conflicts_page(request, form_error=form_error, status=error.status_code)
    outcome, state = resolved.status.lower(), resolved.order_state.lower()
    return redirect_with_flash(
        f"/orders/{resolved.order_id}",
        f"Order line mapped to {resolved.sku}: {outcome}. The order is {state}.",
    )
