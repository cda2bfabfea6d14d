"""Catalog V3 inventory items: query, search, get and update one item [DOC, typings].

Query and Search take platform queries as a POST body or, as Wix's SDK sends them, base64url in
`GET …?.r=`; up to 1,000 items a page with opaque cursors. Query answers `pagingMetadata {count,
cursors}` (no `hasNext` in its typed response), Search adds `hasNext`; Search's default order is
`createdDate DESC` [DOC]. Filterable fields are the typed `InventoryItemQuerySpec` list.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, patch, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from server.sandboxes.wix.errors import WixSandboxError, invalid, not_found
from server.sandboxes.wix.paging import QuerySpec, platform_page
from server.sandboxes.wix.query import Doc, decode_r
from server.sandboxes.wix.render import v3_item
from server.sandboxes.wix.results import Indexed
from server.sandboxes.wix.sandbox import WixSandbox, convert, read_body
from server.sandboxes.wix.state import QUANTITY_LIMIT, Product, Site, Variant, iso, touch_variant

_SORTABLE = frozenset(
    {"createdDate", "updatedDate", "availabilityStatus", "inStock", "preorderInfo.enabled"}
    | {"product.brand.id", "product.name", "product.variantBarcode", "product.variantName"}
    | {"product.variantSku", "productId", "quantity", "trackQuantity", "product.directCategoryIds"}
)
ITEM_FILTERS = _SORTABLE | {"id", "locationId", "variantId"}
"""Filterable fields of Query/Search Inventory Items [typings InventoryItemQuerySpec]."""
_STABLE = frozenset({"id", "productId", "variantId", "locationId", "createdDate"})
"""Item fields fixed when the site is seeded."""
V3_ITEMS_QUERY = QuerySpec(
    kind="v3-items-query",
    filter_fields=ITEM_FILTERS,
    sort_fields=_SORTABLE,
    default_sort=(("createdDate", True),),
    max_limit=1000,
    has_next=False,
    stable_fields=_STABLE,
)
V3_ITEMS_SEARCH = QuerySpec(
    kind="v3-items-search",
    filter_fields=ITEM_FILTERS,
    sort_fields=_SORTABLE,
    default_sort=(("createdDate", True),),
    max_limit=1000,
    stable_fields=_STABLE,
)


class QueryBody(msgspec.Struct):
    """Body of Query Inventory Items."""

    query: dict[str, Any] = msgspec.field(default_factory=dict)


class SearchBody(msgspec.Struct):
    """Body of Search Inventory Items."""

    search: dict[str, Any] = msgspec.field(default_factory=dict)


class ItemPatch(msgspec.Struct, rename="camel"):
    """An inventory item as an update sends it: id and revision, then quantity xor inStock."""

    id: str | None = None
    revision: str | None = None
    quantity: int | None = None
    in_stock: bool | None = None
    preorder_info: dict[str, Any] | None = None


class UpdateBody(msgspec.Struct):
    """Body of Update Inventory Item."""

    inventoryItem: ItemPatch
    reason: str | None = None


def item_entries(site: Site) -> list[tuple[tuple[Product, Variant], Doc]]:
    """Every inventory item of the site with its JSON."""
    return [((p, v), v3_item(site, p, v)) for p, v in site.items()]


def indexed_items(site: Site) -> Indexed:
    """Inventory items by item or product id, and with only their stable fields."""

    def lookup(field: str, values: list[str]) -> list[tuple[tuple[Product, Variant], Doc]] | None:
        if field == "productId":
            products = [entry[1] for entry in site.lookup("products", values)]
            values = [v.item_id for p in products for v in p.variants]
        elif field != "id":
            return None
        found = {entry[0]: (entry[1], entry[2]) for entry in site.lookup("items", values)}
        return [(found[i], v3_item(site, *found[i])) for i in sorted(found)]

    def light() -> list[tuple[tuple[Product, Variant], Doc]]:
        return [((p, v), stable_fields(site, p, v)) for p, v in site.items()]

    return Indexed(lookup, light)


def stable_fields(site: Site, product: Product, variant: Variant) -> Doc:
    """The fields of `v3_item` that never change after seeding (`_STABLE`)."""
    return {
        "id": variant.item_id,
        "productId": product.id,
        "variantId": variant.id,
        "locationId": site.location_id,
        "createdDate": iso(variant.created),
    }


def find_item(site: Site, item_id: str) -> tuple[Product, Variant]:
    """The (product, variant) of an inventory item id, or a 404."""
    found = site.item(item_id)
    if found is None:
        raise not_found("Inventory item", item_id)
    return found


def stale(variant: Variant, revision: str | None) -> bool:
    """Whether an update's revision is not the item's current one."""
    return revision != str(variant.revision)


def conflict(item_id: str) -> WixSandboxError:
    """The 409 of a stale revision [DOC troubleshooting: "entity has already changed"]."""
    return WixSandboxError(
        409,
        "entity has already changed since the requested revision",
        code="REVISION_MISMATCH",
        data={"id": item_id},
    )


def apply_patch(product: Product, variant: Variant, item: ItemPatch, now: float) -> None:
    """Set quantity (switching to quantity tracking) or inStock (status tracking)."""
    if item.quantity is not None:
        variant.quantity = item.quantity
        variant.track_quantity = True
    elif item.in_stock is not None:
        variant.in_stock = item.in_stock
        variant.track_quantity = False
    if item.preorder_info is not None:
        variant.preorder_enabled = bool(item.preorder_info.get("enabled", variant.preorder_enabled))
        variant.preorder_limit = int(item.preorder_info.get("limit", variant.preorder_limit))
    touch_variant(product, variant, now)


def check_quantity(item: ItemPatch, field: str) -> None:
    """400 for a quantity outside ±99,999 [typings]."""
    if item.quantity is not None and abs(item.quantity) > QUANTITY_LIMIT:
        raise invalid(f"{field}.quantity", f"quantity must be within ±{QUANTITY_LIMIT}", "MAX")


def query_items(sb: WixSandbox, request: Request[Any, Any, Any], payload: Doc) -> Doc:
    """Query Inventory Items for a POST body or a decoded `.r`."""
    site = sb.site(request, "V3")
    body = convert(payload, QueryBody)
    page, meta = platform_page(
        lambda: item_entries(site),
        lambda ref: v3_item(site, *ref),
        (id(site),),
        body.query,
        V3_ITEMS_QUERY,
        sb.options,
        indexed_items(site),
    )
    return {"inventoryItems": page, "pagingMetadata": meta}


def search_items(sb: WixSandbox, request: Request[Any, Any, Any], payload: Doc) -> Doc:
    """Search Inventory Items (free text over name, variant name and SKU) for a body or `.r`."""
    site = sb.site(request, "V3")
    search = dict(convert(payload, SearchBody).search)
    expression = str((search.pop("search", None) or {}).get("expression") or "").lower()

    def source() -> list[tuple[tuple[Product, Variant], Doc]]:
        found = item_entries(site)
        return [e for e in found if expression in _searchable(e[1])] if expression else found

    def render(ref: tuple[Product, Variant]) -> Doc:
        return v3_item(site, *ref)

    key = (id(site), expression)
    page, meta = platform_page(source, render, key, search, V3_ITEMS_SEARCH, sb.options)
    return {"inventoryItems": page, "pagingMetadata": meta}


def update_item(sb: WixSandbox, site: Site, item_id: str, body: UpdateBody) -> Doc:
    """Update one inventory item if its revision is current (else 409)."""
    if body.inventoryItem.revision is None:
        raise invalid("inventoryItem.revision", "revision is required")
    check_quantity(body.inventoryItem, "inventoryItem")
    product, variant = find_item(site, item_id)
    if stale(variant, body.inventoryItem.revision):
        raise conflict(item_id)
    apply_patch(product, variant, body.inventoryItem, sb.clock())
    return {"inventoryItem": v3_item(site, product, variant)}


def v3_inventory_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Route handlers for V3 inventory item reads and single updates."""

    @post("/stores/v3/inventory-items/query", status_code=200)
    async def query_post(request: Request[Any, Any, Any]) -> Doc:
        return query_items(sb, request, await read_body(request, dict))

    @get("/stores/v3/inventory-items/query", sync_to_thread=False)
    def query_get(request: Request[Any, Any, Any]) -> Doc:
        return query_items(sb, request, decode_r(request.query_params.get(".r")))

    @post("/stores/v3/inventory-items/search", status_code=200)
    async def search_post(request: Request[Any, Any, Any]) -> Doc:
        return search_items(sb, request, await read_body(request, dict))

    @get("/stores/v3/inventory-items/search", sync_to_thread=False)
    def search_get(request: Request[Any, Any, Any]) -> Doc:
        return search_items(sb, request, decode_r(request.query_params.get(".r")))

    @get("/stores/v3/inventory-items/{item_id:str}", sync_to_thread=False)
    def get_item(request: Request[Any, Any, Any], item_id: FromPath[str]) -> Doc:
        site = sb.site(request, "V3")
        product, variant = find_item(site, item_id)
        return {"inventoryItem": v3_item(site, product, variant)}

    @patch("/stores/v3/inventory-items/{item_id:str}")
    async def patch_item(request: Request[Any, Any, Any], item_id: FromPath[str]) -> Doc:
        site = sb.site(request, "V3")
        return update_item(sb, site, item_id, await read_body(request, UpdateBody))

    return [query_post, query_get, search_post, search_get, get_item, patch_item]


def _searchable(doc: Doc) -> str:
    product = doc.get("product", {})
    return " ".join(str(product.get(k, "")) for k in ("name", "variantName", "variantSku")).lower()
