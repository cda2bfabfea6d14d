"""eCommerce orders: Search Orders and Get Order [DOC, typings], and placing orders by hand.

Search: `POST /ecom/v1/orders/search` with `{"search": {filter, sort (≤ 4), cursorPaging (≤ 100)}}`;
default order `createdDate DESC`; orders in status `INITIALIZED` are never returned [DOC]; the
answer's paging key is `metadata {count, cursors, hasNext}` [typings `SearchOrdersResponse`].
Placing an order (admin API) decrements tracked stock, as Wix does for its own checkout
[inferred; `orders_decrement_stock`], and may take stock below zero (a paid order can [typings]).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from server.sandboxes.wix.errors import invalid, not_found
from server.sandboxes.wix.paging import QuerySpec, platform_page
from server.sandboxes.wix.query import Doc
from server.sandboxes.wix.render import order as render_order
from server.sandboxes.wix.sandbox import WixSandbox, read_body
from server.sandboxes.wix.state import Order, OrderLine, Site, bump, new_id, touch_variant

ORDERS = QuerySpec(
    kind="orders-search",
    filter_fields=frozenset(
        {"id", "number", "status", "archived", "createdDate", "updatedDate", "paymentStatus"}
        | {"fulfillmentStatus", "lineItems.*", "billingInfo.*", "channelInfo.*"}
    ),
    sort_fields=frozenset({"number", "status", "createdDate", "updatedDate"}),
    default_sort=(("createdDate", True),),
    max_limit=100,
)


class SearchOrdersBody(msgspec.Struct):
    """Body of Search Orders."""

    search: dict[str, Any] = msgspec.field(default_factory=dict)


class OrderLineInput(msgspec.Struct, kw_only=True):
    """A line of an order placed through the admin API: a SKU or a (product, variant).

    With `app_id` the line is another app's catalogue item (`product_id` is its id, `name` its
    name): it touches no Stores stock.
    """

    quantity: int = 1
    sku: str | None = None
    product_id: str | None = None
    variant_id: str | None = None
    app_id: str | None = None
    name: str = "Gift card"


class PlaceOrderInput(msgspec.Struct, kw_only=True):
    """An order to place through the admin API."""

    lines: list[OrderLineInput]
    status: str = "APPROVED"
    payment_status: str = "PAID"


def _order_line(sb: WixSandbox, site: Site, index: int, line: OrderLineInput) -> OrderLine:
    """One line of a placed order; a Stores line takes its units out of the variant's stock."""
    if line.app_id:
        item_id = line.product_id or new_id()
        return OrderLine(new_id(), item_id, "", "", line.name, line.quantity, line.app_id)
    if line.sku:
        found = site.by_sku(line.sku)
    else:
        product = site.products.get(line.product_id or "")
        variant = product.variant(line.variant_id or "") if product else None
        found = (product, variant) if product and variant else None
    if found is None:
        raise invalid(f"lines[{index}]", "no such SKU or product/variant on this site")
    product, variant = found
    if sb.options.orders_decrement_stock and variant.track_quantity:
        variant.quantity -= line.quantity
        touch_variant(product, variant, sb.clock())
    sku = variant.sku or product.sku
    return OrderLine(new_id(), product.id, variant.id, sku, product.name, line.quantity)


def place_order(sb: WixSandbox, site: Site, data: JSONBody[PlaceOrderInput]) -> Order:
    """Create an order on `site` (and take its lines out of stock, per the options)."""
    now = sb.clock()
    lines = [_order_line(sb, site, index, line) for index, line in enumerate(data.lines)]
    item = Order(
        id=new_id(),
        number=str(site.next_order_number),
        created=now,
        updated=now,
        lines=lines,
        status=data.status,
        payment_status=data.payment_status,
    )
    site.next_order_number += 1
    site.orders[item.id] = item
    bump()
    return item


def cancel_order(sb: WixSandbox, site: Site, order_id: str) -> Order:
    """Mark an order CANCELED (stock is not put back, as Wix leaves restocking to the seller)."""
    item = site.orders.get(order_id)
    if item is None:
        raise not_found("Order", order_id)
    item.status = "CANCELED"
    item.updated = sb.clock()
    bump()
    return item


def refund_order(sb: WixSandbox, site: Site, order_id: str) -> Order:
    """Refund an order in full: `paymentStatus` becomes FULLY_REFUNDED, `status` stays [DOC].

    Wix keeps a refunded order APPROVED (a refund is a payment event, not a cancellation) and
    restocks only what the seller ticks; this sandbox, like `cancel_order`, restocks nothing.
    """
    item = site.orders.get(order_id)
    if item is None:
        raise not_found("Order", order_id)
    item.payment_status = "FULLY_REFUNDED"
    item.updated = sb.clock()
    bump()
    return item


def order_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Route handlers for eCommerce orders."""

    @post("/ecom/v1/orders/search", status_code=200)
    async def search_orders(request: Request[Any, Any, Any]) -> Doc:
        site = sb.site(request, "any")
        body = await read_body(request, SearchOrdersBody)
        if len(body.search.get("sort") or []) > 4:
            raise invalid("search.sort", "at most 4 sort fields", "MAX")

        def source() -> list[tuple[Order, Doc]]:
            shown = [o for o in site.orders.values() if o.status != "INITIALIZED"]
            return [(o, render_order(o)) for o in shown]

        key = (id(site),)
        page, meta = platform_page(source, render_order, key, body.search, ORDERS, sb.options)
        return {"orders": page, "metadata": meta}

    @get("/ecom/v1/orders/{order_id:str}", sync_to_thread=False)
    def get_order(request: Request[Any, Any, Any], order_id: FromPath[str]) -> Doc:
        site = sb.site(request, "any")
        item = site.orders.get(order_id)
        if item is None:
            raise not_found("Order", order_id)
        return {"order": render_order(item)}

    return [search_orders, get_order]
