"""Product pages: the catalogue list, one product with its stock, listings and history.

Admins also switch a product's sync on or off and start a sync of just that SKU from its page.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.context import (
    FormError,
    dashboard_actor,
    dashboard_user,
    redirect_with_flash,
    render,
)
from server.dashboard.forms import form_values
from server.dashboard.history import history_rows
from server.domain import operations, products, warehouses
from server.domain.drift import listings_sync_state
from server.domain.product_search import ProductPage, list_products
from server.domain.product_sync import set_sync_enabled
from server.jobs import start_sync
from server.web.guards import require_admin, require_user
from server.web.product_schemas import sku_cursor

PAGE_SIZE = 50
RECENT_OPERATIONS = 20
SYNC_FILTERS = {"": None, "on": True, "off": False}


def _page_link(q: str, sync: str, **position: str) -> str:
    """`/products` with the filters and one position (`after` or `before`), if any."""
    params = {key: value for key, value in (("q", q), ("sync", sync), *position.items()) if value}
    return "/products" + (f"?{urlencode(params)}" if params else "")


def total_text(page: ProductPage) -> str:
    """The total as people should read it: exact, recent ("about") or capped ("more than")."""
    number = f"{page.total:,}"
    if page.total_is_capped:
        return f"more than {number}"
    return f"about {number}" if page.total_is_estimate else number


def _pager(q: str, sync: str, page: ProductPage) -> dict[str, Any]:
    """What this page shows and the links around it (keyset: `after` on, `before` back)."""
    total = total_text(page)
    count = len(page.items)
    if not page.items:
        info = "Nothing to show" if page.total == 0 else "No more products"
    elif page.after is None and page.before is None:
        info = f"Showing {page.offset + 1:,}\u2013{page.offset + count:,} of {total}"
    else:
        info = f"Showing {count} from {page.items[0].sku} to {page.items[-1].sku} of {total}"
    prev = page.prev_before
    return {
        "info": info,
        "total": total,
        "single": page.total == 1 and not page.total_is_capped,
        "prev": _page_link(q, sync, before=prev) if prev else None,
        "next": _page_link(q, sync, after=page.next_after) if page.next_after else None,
        "first": _page_link(q, sync) if page.after or page.before or page.offset else None,
    }


@get("/products", name="dashboard:products", guards=[require_user], include_in_schema=False)
async def product_list(
    request: Request[Any, Any, Any],
    q: Annotated[str, QueryParameter(max_length=200)] = "",
    sync: Annotated[str, QueryParameter(max_length=8)] = "",
    offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
    after: Annotated[str | None, sku_cursor()] = None,
    before: Annotated[str | None, sku_cursor()] = None,
) -> Template:
    """The catalogue: search by name, SKU or EAN, filter by sync flag, 50 to a page.

    Its links page by SKU (`after`, `before`); `offset`, which older links carry, still works.
    """
    q = q.strip()
    sync = sync if sync in SYNC_FILTERS else ""
    page = await list_products(
        q=q or None,
        sync_enabled=SYNC_FILTERS[sync],
        limit=PAGE_SIZE,
        offset=offset,
        after=after,
        before=before,
    )
    return render(
        request,
        "products.html",
        nav="products",
        page=page,
        q=q,
        sync=sync,
        pager=_pager(q, sync, page),
    )


async def product_page(
    request: Request[Any, Any, Any],
    sku: str,
    *,
    form_error: FormError | None = None,
    status: int = 200,
) -> Template:
    """The product page, also re-rendered (with `form_error`) when a stock form is refused."""
    product = await products.get_product(sku)
    stock = await products.stock_for_product(product.sku)
    recent = await operations.list_operations(product_id=product.id, limit=RECENT_OPERATIONS)
    user = dashboard_user(request)
    active = await warehouses.list_warehouses(active_only=True) if user.is_admin else []
    return render(
        request,
        "product.html",
        status=status,
        nav="products",
        product=product,
        stock=stock,
        stock_total={
            "quantity": sum(line.quantity for line in stock),
            "reserved": sum(line.reserved for line in stock),
            "available": product.total_available,
        },
        history=history_rows(recent),
        listings=await listings_sync_state(product.sku),
        warehouses=active,
        sale_key=secrets.token_urlsafe(24),
        form_error=form_error,
    )


@get(
    "/products/{sku:str}",
    name="dashboard:product",
    guards=[require_user],
    include_in_schema=False,
)
async def product_detail(request: Request[Any, Any, Any], sku: FromPath[str]) -> Template:
    """One product: details, stock per warehouse, recent operations and (for admins) stock forms."""
    return await product_page(request, sku)


def _product_path(sku: str) -> str:
    return "/products/" + quote(sku, safe="")


@post("/products/{sku:str}/sync", guards=[require_admin], include_in_schema=False)
async def product_sync_switch(
    request: Request[Any, Any, Any], sku: FromPath[str], data: URLEncodedBody[dict[str, Any]]
) -> Redirect:
    """Switch the product's sync on or off (recorded as a SYNC_TOGGLE operation)."""
    enabled = form_values(data, "enabled")["enabled"] == "1"
    await set_sync_enabled(sku, enabled, actor=dashboard_actor(request))
    state = "on" if enabled else "off"
    return redirect_with_flash(_product_path(sku), f"Sync switched {state} for {sku}.")


@post("/products/{sku:str}/sync-now", guards=[require_admin], include_in_schema=False)
async def product_sync_now(request: Request[Any, Any, Any], sku: FromPath[str]) -> Redirect:
    """Start a sync of this SKU on every account that lists it."""
    product = await products.get_product(sku)
    run_id = await start_sync(
        request.app.state.arq, trigger="dashboard", scope="sku", sku=product.sku
    )
    return redirect_with_flash(_product_path(sku), f"Sync run #{run_id} queued for {sku}.")
