"""Catalog V1 inventory (`/stores/v2/inventoryItems`), all bindings [DOC, typings].

Query Inventory (filter/sort JSON strings, offset paging, limit ≤ 100), Get Inventory Variants,
Update Inventory Variants (absolute; `trackQuantity` omitted counts as `false` for *every* variant
[typings]; variants not listed are left alone [inferred]), Increment and Decrement (1..300 items,
`incrementBy`/`decrementBy` ≥ 1, all-or-nothing; answers `{}`). Behaviour the docs leave open is
chosen in `WixContractOptions` (decrement below zero, untracked items).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, patch, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from server.sandboxes.wix.errors import WixSandboxError, invalid, not_found
from server.sandboxes.wix.paging import QuerySpec, v1_page
from server.sandboxes.wix.query import Doc
from server.sandboxes.wix.render import v1_inventory_item
from server.sandboxes.wix.results import Indexed
from server.sandboxes.wix.sandbox import WixSandbox, read_body
from server.sandboxes.wix.state import Product, Site, Variant, touch_variant

V1_INVENTORY = QuerySpec(
    kind="v1-inventory",
    filter_fields=frozenset(
        {"id", "productId", "externalId", "numericId", "lastUpdated", "trackQuantity"}
    ),
    sort_fields=frozenset({"id", "productId", "numericId", "lastUpdated"}),
    default_sort=(("lastUpdated", True), ("numericId", True)),
    max_limit=100,
    stable_fields=frozenset({"id", "productId", "externalId", "numericId"}),
)
_INDEXED = {"id": "inventory", "productId": "products", "externalId": "products"}
"""Filter fields answered from the site's index: field → `SiteIndex` table."""
_PREFIXES = ("/stores/v2/inventoryItems", "/stores-reader/v2/inventoryItems")


class V1QueryRequest(msgspec.Struct):
    """Body of Query Inventory."""

    query: dict[str, Any] = msgspec.field(default_factory=dict)


class V1GetVariantsRequest(msgspec.Struct, rename="camel"):
    """Body of Get Inventory Variants."""

    variant_ids: list[str] = msgspec.field(default_factory=list)


class V1VariantPatch(msgspec.Struct, rename="camel"):
    """One variant of Update Inventory Variants."""

    variant_id: str
    quantity: int | None = None
    in_stock: bool | None = None


class V1ItemPatch(msgspec.Struct, rename="camel"):
    """`inventoryItem` of Update Inventory Variants."""

    track_quantity: bool | None = None
    variants: list[V1VariantPatch] = msgspec.field(default_factory=list)
    preorder_info: dict[str, Any] | None = None


class V1UpdateRequest(msgspec.Struct, rename="camel"):
    """Body of Update Inventory Variants."""

    inventory_item: V1ItemPatch


class V1Change(msgspec.Struct, rename="camel"):
    """One element of `incrementData` / `decrementData` (one-of id, then variant and amount)."""

    variant_id: str = ""
    inventory_id: str | None = None
    product_id: str | None = None
    external_id: str | None = None
    increment_by: Annotated[int, msgspec.Meta(ge=1)] | None = None
    decrement_by: Annotated[int, msgspec.Meta(ge=1)] | None = None
    preorder_request: bool = False


Changes = Annotated[list[V1Change], msgspec.Meta(min_length=1, max_length=300)]


class V1IncrementRequest(msgspec.Struct, rename="camel"):
    """Body of Increment Inventory."""

    increment_data: Changes


class V1DecrementRequest(msgspec.Struct, rename="camel"):
    """Body of Decrement Inventory."""

    decrement_data: Changes


def _product(site: Site, ident: str, by: str) -> Product:
    if by == "product" or by == "external":
        product = site.products.get(ident)
    else:
        product = site.by_inventory_id(ident)
    if product is None:
        raise not_found("Inventory item", ident)
    return product


def _change_target(site: Site, change: V1Change, index: int, field: str) -> tuple[Product, Variant]:
    ids = [i for i in (change.inventory_id, change.product_id, change.external_id) if i]
    if len(ids) != 1:
        raise invalid(f"{field}[{index}]", "exactly one of inventoryId or productId is required")
    by = "inventory" if change.inventory_id else "product"
    product = _product(site, ids[0], by)
    if not change.variant_id:
        raise invalid(f"{field}[{index}].variantId", "variantId is required")
    variant = product.variant(change.variant_id)
    if variant is None:
        raise not_found("Variant", change.variant_id)
    return product, variant


def _check_decrement(sb: WixSandbox, variant: Variant, change: V1Change, amount: int) -> None:
    if sb.options.v1_decrement_below_zero == "allow":
        return
    if not variant.track_quantity:
        raise WixSandboxError(
            428, "Inventory quantity is not tracked", code="INVENTORY_QUANTITY_NOT_TRACKED"
        )
    preorder = change.preorder_request and variant.preorder_enabled
    if variant.quantity - amount < 0 and not preorder:
        raise WixSandboxError(
            428,
            f"Not enough inventory for variant {variant.id}",
            code="INSUFFICIENT_INVENTORY",
            data={"variantId": variant.id, "quantity": variant.quantity},
        )


def _apply_changes(sb: WixSandbox, site: Site, changes: list[V1Change], sign: int) -> None:
    field = "incrementData" if sign > 0 else "decrementData"
    planned: list[tuple[Product, Variant, int]] = []
    for index, change in enumerate(changes):
        product, variant = _change_target(site, change, index, field)
        amount = change.increment_by if sign > 0 else change.decrement_by
        if amount is None:
            raise invalid(
                f"{field}[{index}]", f"{'incrementBy' if sign > 0 else 'decrementBy'} is required"
            )
        if sign < 0:
            _check_decrement(sb, variant, change, amount)
        elif not variant.track_quantity and sb.options.v1_decrement_below_zero == "reject":
            raise WixSandboxError(
                428, "Inventory quantity is not tracked", code="INVENTORY_QUANTITY_NOT_TRACKED"
            )
        planned.append((product, variant, sign * amount))
    now = sb.clock()
    for product, variant, delta in planned:
        variant.quantity += delta
        touch_variant(product, variant, now)


def _update(sb: WixSandbox, product: Product, item: V1ItemPatch) -> None:
    track = bool(item.track_quantity)
    targets = []
    for index, patch_ in enumerate(item.variants):
        variant = product.variant(patch_.variant_id)
        if variant is None:
            raise invalid(f"inventoryItem.variants[{index}].variantId", "unknown variant")
        if track and patch_.quantity is not None and abs(patch_.quantity) > 99_999:
            raise invalid(f"inventoryItem.variants[{index}].quantity", "out of range", "MAX")
        targets.append((variant, patch_))
    now = sb.clock()
    for variant in product.variants:
        variant.track_quantity = track
    for variant, patch_ in targets:
        if track and patch_.quantity is not None:
            variant.quantity = patch_.quantity
        if not track and patch_.in_stock is not None:
            variant.in_stock = patch_.in_stock
    if item.preorder_info is not None:
        for variant in product.variants:
            variant.preorder_enabled = bool(item.preorder_info.get("enabled"))
    for variant in product.variants:
        touch_variant(product, variant, now)


def _indexed(site: Site) -> Indexed:
    """V1 inventory items by id (inventory or product ids), and with only their stable fields."""

    def lookup(field: str, values: list[str]) -> list[tuple[Product, Doc]] | None:
        table = _INDEXED.get(field)
        if table is None:
            return None
        found = {entry[0]: entry[1] for entry in site.lookup(table, values)}
        return [(found[p], v1_inventory_item(found[p])) for p in sorted(found)]

    def light() -> list[tuple[Product, Doc]]:
        return [(p, _stable_fields(p)) for p in site.products.values()]

    return Indexed(lookup, light)


def _stable_fields(product: Product) -> Doc:
    """The fields of `v1_inventory_item` that never change after seeding."""
    return {
        "id": product.inventory_item_id,
        "externalId": product.id,
        "productId": product.id,
        "numericId": str(product.inventory_numeric_id),
    }


def v1_inventory_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Route handlers for V1 inventory."""

    @post([f"{p}/query" for p in _PREFIXES], status_code=200)
    async def query_inventory(request: Request[Any, Any, Any]) -> Doc:
        site = sb.site(request, "V1")
        body = await read_body(request, V1QueryRequest)

        def source() -> list[tuple[Product, Doc]]:
            return [(p, v1_inventory_item(p)) for p in site.products.values()]

        key = (id(site),)
        page, meta = v1_page(
            source, v1_inventory_item, key, body.query, V1_INVENTORY, sb.options, _indexed(site)
        )
        return {"inventoryItems": page, **meta}

    @post("/stores/v2/inventoryItems/increment", status_code=200)
    async def increment(request: Request[Any, Any, Any]) -> Doc:
        site = sb.site(request, "V1")
        body = await read_body(request, V1IncrementRequest)
        _apply_changes(sb, site, body.increment_data, +1)
        return {}

    @post("/stores/v2/inventoryItems/decrement", status_code=200)
    async def decrement(request: Request[Any, Any, Any]) -> Doc:
        site = sb.site(request, "V1")
        body = await read_body(request, V1DecrementRequest)
        _apply_changes(sb, site, body.decrement_data, -1)
        return {}

    return [query_inventory, increment, decrement, *_item_routes(sb)]


def _lookup(path: str) -> str:
    """How a path names its item: by product id (`/product/`, `/external/`) or inventory id."""
    return "product" if "/product/" in path or "/external/" in path else "inventory"


def _item_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Get Inventory Variants and Update Inventory Variants, every binding."""
    kinds = ("product", "external")

    @post(
        [f"{p}/{{ident:str}}/getVariants" for p in _PREFIXES]
        + [f"{p}/{k}/{{ident:str}}/getVariants" for p in _PREFIXES for k in kinds],
        status_code=200,
    )
    async def get_variants(request: Request[Any, Any, Any], ident: FromPath[str]) -> Doc:
        site = sb.site(request, "V1")
        body = await read_body(request, V1GetVariantsRequest)
        doc = v1_inventory_item(_product(site, ident, _lookup(request.url.path)))
        if body.variant_ids:
            doc["variants"] = [v for v in doc["variants"] if v["variantId"] in body.variant_ids]
        return {"inventoryItem": doc}

    @patch(
        ["/stores/v2/inventoryItems/{ident:str}"]
        + [f"/stores/v2/inventoryItems/{k}/{{ident:str}}" for k in kinds]
    )
    async def update_variants(request: Request[Any, Any, Any], ident: FromPath[str]) -> Doc:
        site = sb.site(request, "V1")
        body = await read_body(request, V1UpdateRequest)
        _update(sb, _product(site, ident, _lookup(request.url.path)), body.inventory_item)
        return {}

    return [get_variants, update_variants]
