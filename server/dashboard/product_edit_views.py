"""The product edit page and its no-JavaScript post, and reverting an operation from a history.

With JavaScript the edit form goes to `PATCH /api/products/{sku}` instead (static/product_edit.js);
both ways share `server.web.product_form` and `server.domain.product_edit`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.context import FormError, dashboard_actor, redirect_with_flash, render
from server.dashboard.forms import form_values
from server.domain import products
from server.domain.product_edit import edit_product
from server.domain.rollback import revert_operation
from server.errors import DomainError
from server.web.guards import require_admin
from server.web.product_form import MAX_BODY_BYTES, read_product_edit

TYPED_FIELDS = ("name", "sku", "ean", "description", "attributes")
"""Text fields shown again, as typed, when the form is refused."""


async def _edit_page(
    request: Request[Any, Any, Any],
    sku: str,
    form_error: FormError | None = None,
    status: int = 200,
) -> Template:
    product = await products.get_product(sku)
    return render(
        request,
        "product_edit.html",
        status=status,
        nav="products",
        product=product,
        form_error=form_error,
    )


@get(
    "/products/{sku:str}/edit",
    name="dashboard:product_edit",
    guards=[require_admin],
    include_in_schema=False,
)
async def product_edit_page(request: Request[Any, Any, Any], sku: FromPath[str]) -> Template:
    """The edit form, filled with the product's values."""
    return await _edit_page(request, sku)


@post(
    "/products/{sku:str}/edit",
    guards=[require_admin],
    include_in_schema=False,
    request_max_body_size=MAX_BODY_BYTES,
)
async def product_edit_submit(
    request: Request[Any, Any, Any], sku: FromPath[str]
) -> Template | Redirect:
    """Save an edit posted without JavaScript; a refusal shows the form again with the reason."""
    try:
        changes = await read_product_edit(request, full=False)
        product = await edit_product(sku, changes, actor=dashboard_actor(request))
    except DomainError as error:
        form = await request.form()
        typed = {name: str(form.get(name, "")) for name in TYPED_FIELDS}
        form_error = FormError.from_domain("edit", error, typed)
        return await _edit_page(request, sku, form_error, error.status_code)
    return redirect_with_flash(f"/products/{quote(product.sku, safe='')}", f"Saved {product.sku}.")


def _back_path(value: str) -> str:
    """Where to return after a revert: a local path only."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/operations"


@post("/operations/{operation_id:int}/revert", guards=[require_admin], include_in_schema=False)
async def operation_revert(
    request: Request[Any, Any, Any],
    operation_id: FromPath[int],
    data: URLEncodedBody[dict[str, Any]],
) -> Redirect:
    """Undo an operation from a history table and come back to it with the outcome."""
    back = _back_path(form_values(data, "next")["next"])
    try:
        await revert_operation(operation_id, actor=dashboard_actor(request))
    except DomainError as error:
        return redirect_with_flash(back, f"Not reverted: {error.message}.")
    return redirect_with_flash(back, f"Operation #{operation_id} reverted.")
