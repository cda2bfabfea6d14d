"""The product page's stock forms: receive, sell, transfer and adjust, for admins.

Each form posts here; the handler calls the ledger and redirects back to the product page with a
flash message (POST-redirect-GET). A refusal (a DomainError: unknown warehouse, too little stock, a
bad number) re-renders the product page with the error next to the form that caused it, a 4xx
status, and nothing changed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.context import (
    FormError,
    dashboard_actor,
    dashboard_user,
    redirect_with_flash,
)
from server.dashboard.forms import form_values, required_text, whole_number
from server.dashboard.product_views import product_page
from server.domain import ledger
from server.errors import DomainError
from server.web.guards import require_admin

FormData = URLEncodedBody[dict[str, Any]]
SALE_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


async def _submit(
    request: Request[Any, Any, Any],
    sku: str,
    form: str,
    values: dict[str, str],
    action: Callable[[], Awaitable[str]],
) -> Template | Redirect:
    """Run a ledger action; redirect with its message, or re-render the page with the error."""
    try:
        message = await action()
    except DomainError as error:
        form_error = FormError.from_domain(form, error, values)
        return await product_page(request, sku, form_error=form_error, status=error.status_code)
    return redirect_with_flash(f"/products/{quote(sku, safe='')}", message)


def _units(quantity: int, sku: str) -> str:
    return f"{quantity:,} \u00d7 {sku}"


@post("/products/{sku:str}/receive", guards=[require_admin], include_in_schema=False)
async def receive_stock(
    request: Request[Any, Any, Any], sku: FromPath[str], data: FormData
) -> Template | Redirect:
    """Goods arrived: add units to a warehouse."""
    values = form_values(data, "warehouse", "quantity", "reason")

    async def action() -> str:
        warehouse = required_text(values, "warehouse", "Warehouse")
        quantity = whole_number(values, "quantity", "Quantity")
        result = await ledger.receive(
            sku, warehouse, quantity, actor=dashboard_actor(request), reason=values["reason"]
        )
        return (
            f"Received {_units(quantity, result.sku)} into {result.warehouse}; "
            f"{result.warehouse} now holds {result.quantity_after:,}."
        )

    return await _submit(request, sku, "receive", values, action)


def _sale_key(request: Request[Any, Any, Any], token: str) -> str | None:
    """An idempotency key from the form's one-time token, so a double submit sells once."""
    if not SALE_KEY_PATTERN.fullmatch(token):
        return None
    return f"dashboard:{dashboard_user(request).id}:{token}"


@post("/products/{sku:str}/sell", guards=[require_admin], include_in_schema=False)
async def sell_stock(
    request: Request[Any, Any, Any], sku: FromPath[str], data: FormData
) -> Template | Redirect:
    """A manual sale: take units out of a warehouse."""
    values = form_values(data, "warehouse", "quantity", "reason", "sale_key")

    async def action() -> str:
        warehouse = required_text(values, "warehouse", "Warehouse")
        quantity = whole_number(values, "quantity", "Quantity")
        result = await ledger.sell(
            sku,
            warehouse,
            quantity,
            actor=dashboard_actor(request),
            idempotency_key=_sale_key(request, values["sale_key"]),
            reason=values["reason"],
        )
        if result.replayed:
            return (
                f"This sale was already recorded; {result.warehouse} holds "
                f"{result.quantity_after:,}."
            )
        return (
            f"Sold {_units(quantity, result.sku)} from {result.warehouse}; "
            f"{result.warehouse} now holds {result.quantity_after:,}."
        )

    return await _submit(request, sku, "sell", values, action)


@post("/products/{sku:str}/transfer", guards=[require_admin], include_in_schema=False)
async def transfer_stock(
    request: Request[Any, Any, Any], sku: FromPath[str], data: FormData
) -> Template | Redirect:
    """Move units from one warehouse to another."""
    values = form_values(data, "from_warehouse", "to_warehouse", "quantity", "reason")

    async def action() -> str:
        source = required_text(values, "from_warehouse", "From warehouse")
        target = required_text(values, "to_warehouse", "To warehouse")
        quantity = whole_number(values, "quantity", "Quantity")
        result = await ledger.transfer(
            sku, source, target, quantity, actor=dashboard_actor(request), reason=values["reason"]
        )
        return (
            f"Moved {_units(quantity, result.sku)} from {result.from_warehouse} to "
            f"{result.to_warehouse}; {result.from_warehouse} now holds "
            f"{result.from_quantity_after:,}, {result.to_warehouse} {result.to_quantity_after:,}."
        )

    return await _submit(request, sku, "transfer", values, action)


@post("/products/{sku:str}/adjust", guards=[require_admin], include_in_schema=False)
async def adjust_stock(
    request: Request[Any, Any, Any], sku: FromPath[str], data: FormData
) -> Template | Redirect:
    """Set a warehouse's count to what was counted, with a reason."""
    values = form_values(data, "warehouse", "quantity", "reason")

    async def action() -> str:
        warehouse = required_text(values, "warehouse", "Warehouse")
        quantity = whole_number(values, "quantity", "Counted quantity")
        result = await ledger.adjust(
            sku, warehouse, quantity, reason=values["reason"], actor=dashboard_actor(request)
        )
        change = "no change" if result.quantity_delta == 0 else f"{result.quantity_delta:+,}"
        return f"Set {result.sku} in {result.warehouse} to {quantity:,} ({change})."

    return await _submit(request, sku, "adjust", values, action)
