"""Warehouses: the list for everyone and, for admins, a form to add one."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.context import FormError, redirect_with_flash, render
from server.dashboard.forms import form_values
from server.domain import warehouses
from server.errors import DomainError
from server.web.guards import require_admin, require_user


async def _warehouse_page(
    request: Request[Any, Any, Any], *, form_error: FormError | None = None, status: int = 200
) -> Template:
    return render(
        request,
        "warehouses.html",
        status=status,
        nav="warehouses",
        warehouses=await warehouses.list_warehouses(),
        form_error=form_error,
    )


@get("/warehouses", name="dashboard:warehouses", guards=[require_user], include_in_schema=False)
async def warehouse_list(request: Request[Any, Any, Any]) -> Template:
    """Every warehouse, active or not, by code."""
    return await _warehouse_page(request)


@post("/warehouses", guards=[require_admin], include_in_schema=False)
async def warehouse_create(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[dict[str, Any]],
) -> Template | Redirect:
    """Add a warehouse; a taken or malformed code re-renders the form with the reason."""
    values = form_values(data, "code", "name")
    try:
        created = await warehouses.create_warehouse(values["code"], values["name"])
    except DomainError as error:
        form_error = FormError.from_domain("warehouse", error, values)
        return await _warehouse_page(request, form_error=form_error, status=error.status_code)
    return redirect_with_flash("/warehouses", f"Warehouse {created.code} ({created.name}) added.")
