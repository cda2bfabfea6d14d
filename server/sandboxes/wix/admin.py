"""The Wix sandbox's own admin API (no auth; never part of Wix): state, stock, orders, options.

Under the admin prefix (default `/_sandbox`), next to the shared fault and counter routes:
`GET /sites`, `GET /sites/{id}/stock[?sku=]`, `POST /sites/{id}/stock` (change stock "on the
marketplace side": bumps V3 revisions like any Wix-side edit), `POST /sites/{id}/orders`,
`POST /sites/{id}/orders/{order_id}/cancel`, `POST /sites/{id}/orders/{order_id}/refund`,
`GET/PUT /options`, `POST /reset`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get, post, put
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from server.sandboxes.wix.config import WixContractOptions
from server.sandboxes.wix.errors import invalid
from server.sandboxes.wix.orders import PlaceOrderInput, cancel_order, place_order, refund_order
from server.sandboxes.wix.render import order as render_order
from server.sandboxes.wix.sandbox import WixSandbox
from server.sandboxes.wix.state import Product, Site, Variant, touch_variant

Doc = dict[str, Any]


class StockChange(msgspec.Struct, kw_only=True):
    """A stock edit made by the seller in Wix's dashboard: by SKU or by (product, variant)."""

    sku: str | None = None
    product_id: str | None = None
    variant_id: str | None = None
    quantity: int | None = None
    in_stock: bool | None = None
    track_quantity: bool | None = None


def stock_row(site: Site, product: Product, variant: Variant) -> Doc:
    """One variant's stock as the admin API shows it."""
    return {
        "sku": variant.sku or product.sku,
        "product_id": product.id,
        "variant_id": variant.id,
        "inventory_item_id": (
            variant.item_id if site.catalog == "V3_CATALOG" else product.inventory_item_id
        ),
        "quantity": variant.quantity,
        "track_quantity": variant.track_quantity,
        "in_stock": variant.available,
        "revision": variant.revision,
        "visible": product.visible and variant.visible,
        "name": product.name,
    }


def _target(site: Site, change: StockChange) -> tuple[Product, Variant]:
    if change.sku:
        found = site.by_sku(change.sku)
    else:
        product = site.products.get(change.product_id or "")
        variant = product.variant(change.variant_id or "") if product else None
        found = (product, variant) if product and variant else None
    if found is None:
        raise invalid("sku", "no such SKU or product/variant on this site")
    return found


def apply_stock_change(sb: WixSandbox, site: Site, change: StockChange) -> Doc:
    """Apply a dashboard-side stock edit; V1 tracking changes apply to the whole product."""
    product, variant = _target(site, change)
    if change.track_quantity is not None:
        changed = product.variants if site.catalog == "V1_CATALOG" else [variant]
        for each in changed:
            each.track_quantity = change.track_quantity
    if change.quantity is not None:
        variant.quantity = change.quantity
    if change.in_stock is not None:
        variant.in_stock = change.in_stock
    touch_variant(product, variant, sb.clock())
    return stock_row(site, product, variant)


def wix_admin_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """The Wix-specific admin handlers (mounted at the admin prefix)."""
    prefix = sb.config.admin_prefix

    @get(f"{prefix}/sites", sync_to_thread=False)
    def sites() -> list[Doc]:
        return [
            {
                "site_id": s.site_id,
                "catalog": s.catalog,
                "products": len(s.products),
                "variants": sum(len(p.variants) for p in s.products.values()),
                "orders": len(s.orders),
                "location_id": s.location_id,
            }
            for s in sb.sites.values()
        ]

    @get(f"{prefix}/sites/{{site_id:str}}/stock", sync_to_thread=False)
    def stock(site_id: FromPath[str], sku: FromQuery[str | None] = None) -> list[Doc]:
        site = sb.site_by_id(site_id)
        rows = [stock_row(site, p, v) for p, v in site.items()]
        return [r for r in rows if sku is None or r["sku"] == sku]

    @post(f"{prefix}/sites/{{site_id:str}}/stock", sync_to_thread=False, status_code=200)
    def change_stock(site_id: FromPath[str], data: JSONBody[StockChange]) -> Doc:
        return apply_stock_change(sb, sb.site_by_id(site_id), data)

    return [sites, stock, change_stock, *_order_and_control_routes(sb)]


def _order_and_control_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Admin handlers for orders, contract options and reset."""
    prefix = sb.config.admin_prefix

    @post(f"{prefix}/sites/{{site_id:str}}/orders", sync_to_thread=False, status_code=201)
    def new_order(site_id: FromPath[str], data: JSONBody[PlaceOrderInput]) -> Doc:
        return render_order(place_order(sb, sb.site_by_id(site_id), data))

    @post(
        f"{prefix}/sites/{{site_id:str}}/orders/{{order_id:str}}/cancel",
        sync_to_thread=False,
        status_code=200,
    )
    def cancel(site_id: FromPath[str], order_id: FromPath[str]) -> Doc:
        return render_order(cancel_order(sb, sb.site_by_id(site_id), order_id))

    @post(
        f"{prefix}/sites/{{site_id:str}}/orders/{{order_id:str}}/refund",
        sync_to_thread=False,
        status_code=200,
    )
    def refund(site_id: FromPath[str], order_id: FromPath[str]) -> Doc:
        return render_order(refund_order(sb, sb.site_by_id(site_id), order_id))

    @get(f"{prefix}/options", sync_to_thread=False)
    def read_options() -> WixContractOptions:
        return sb.options

    @put(f"{prefix}/options", sync_to_thread=False)
    def write_options(data: JSONBody[WixContractOptions]) -> WixContractOptions:
        sb.options = data
        sb.window.limit = data.rate_limit_per_minute
        return sb.options

    @post(f"{prefix}/reset", sync_to_thread=False, status_code=200)
    def reset() -> Doc:
        sb.reset()
        return {"reset": True}

    return [new_order, cancel, refund, read_options, write_options, reset]
