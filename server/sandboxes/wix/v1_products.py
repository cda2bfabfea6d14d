"""Catalog versioning and Catalog V1 products.

`GET /stores/v3/provision/version` [DOC]; Query Products `POST /stores/v1/products/query` with
its `stores-reader` and `stores/api` bindings (filter and sort as JSON strings, offset paging,
limit ≤ 100, `includeVariants`, hidden products only with `includeHiddenProducts`) [DOC]; the
platformized query the SDK sends as `GET /stores-reader/v1/products/query-platformized?.r=…`
(filter object, cursor or offset paging, `metadata {count, offset, total, cursors}`) [typings];
Get Product `GET /stores/v1/products/{id}` (always with variants) [DOC-EX].
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from server.sandboxes.wix.errors import not_found
from server.sandboxes.wix.paging import QuerySpec, platform_page, v1_page
from server.sandboxes.wix.query import Doc, decode_r
from server.sandboxes.wix.render import v1_product
from server.sandboxes.wix.sandbox import WixSandbox, convert, read_body
from server.sandboxes.wix.state import Product, Site

V1_PRODUCT_FILTERS = frozenset(
    {"name", "description", "sku", "slug", "id", "productType", "price", "numericId"}
    | {"lastUpdated", "createdDate", "collections.id", "inventoryStatus", "options.*"}
)
"""Filterable fields of V1 Query Products [DOC filterAndSort]."""
V1_PRODUCT_SORTS = frozenset(
    {"name", "sku", "id", "price", "numericId", "productType", "slug", "lastUpdated", "createdDate"}
)
V1_PRODUCTS = QuerySpec(
    kind="v1-products",
    filter_fields=V1_PRODUCT_FILTERS,
    sort_fields=V1_PRODUCT_SORTS,
    # Wix documents no default order; a changing one (last update first) is the safer reading:
    # a crawl must sort by numericId itself [inferred].
    default_sort=(("lastUpdated", True), ("numericId", True)),
    max_limit=100,
)
V1_PLATFORMIZED = QuerySpec(
    kind="v1-products-platformized",
    filter_fields=V1_PRODUCT_FILTERS | {"visible"},
    sort_fields=V1_PRODUCT_SORTS,
    default_sort=(("numericId", False),),
    max_limit=100,
    has_next=False,
)


class V1QueryProductsRequest(msgspec.Struct, rename="camel"):
    """Body of V1 Query Products."""

    query: dict[str, Any] = msgspec.field(default_factory=dict)
    include_variants: bool = False
    include_hidden_products: bool = False
    include_merchant_specific_data: bool = False


class PlatformQueryRequest(msgspec.Struct):
    """Body (or `.r`) of a platformized query."""

    query: dict[str, Any] = msgspec.field(default_factory=dict)


def _filter_doc(product: Product, doc: Doc, variant_skus: bool) -> Doc:
    """The product as its filter sees it: documented aliases added (`price`, `options`, ...)."""
    view = dict(doc)
    view["price"] = product.price
    view["inventoryStatus"] = doc["stock"]["inventoryStatus"]
    view["description"] = ""
    view["collections"] = []
    view["options"] = product.options()
    if variant_skus:
        view["sku"] = [product.sku, *(v.sku for v in product.variants)]
    return view


def _page(
    sb: WixSandbox, site: Site, query: Doc, spec: QuerySpec, *, variants: bool, hidden: bool
) -> tuple[list[Doc], Doc]:
    """A page of products (V1 or platformized) with the options that shape them."""
    opts = sb.options
    with_stock = opts.v1_variant_stock_in_products

    def render(product: Product) -> Doc:
        return v1_product(product, include_variants=variants, variant_stock=with_stock)

    def source() -> list[tuple[Product, Doc]]:
        shown = [p for p in site.products.values() if p.visible or hidden]
        return [(p, _filter_doc(p, render(p), opts.v1_sku_filter_matches_variants)) for p in shown]

    key = (id(site), variants, hidden, with_stock, opts.v1_sku_filter_matches_variants)
    if spec is V1_PRODUCTS:
        return v1_page(source, render, key, query, spec, opts)
    page, meta = platform_page(source, render, key, query, spec, opts)
    return page, {"metadata": meta}


def v1_product_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Route handlers for catalog versioning and V1 products."""

    @get("/stores/v3/provision/version", sync_to_thread=False)
    def catalog_version(request: Request[Any, Any, Any]) -> Doc:
        return {"catalogVersion": sb.site(request, "any").catalog}

    @post(
        [
            "/stores/v1/products/query",
            "/stores-reader/v1/products/query",
            "/stores/api/v1/products/query",
        ],
        status_code=200,
    )
    async def query_products(request: Request[Any, Any, Any]) -> Doc:
        site = sb.site(request, "V1")
        body = await read_body(request, V1QueryProductsRequest)
        page, meta = _page(
            sb,
            site,
            body.query,
            V1_PRODUCTS,
            variants=body.include_variants,
            hidden=body.include_hidden_products,
        )
        return {"products": page, **meta}

    @get(["/stores/v1/products/{product_id:str}", "/stores-reader/v1/products/{product_id:str}"])
    async def get_product(request: Request[Any, Any, Any], product_id: FromPath[str]) -> Doc:
        site = sb.site(request, "V1")
        product = site.products.get(product_id)
        if product is None:
            raise not_found("Product", product_id)
        doc = v1_product(
            product, include_variants=True, variant_stock=sb.options.v1_variant_stock_in_products
        )
        return {"product": doc}

    return [catalog_version, query_products, get_product, *_platformized_routes(sb)]


def _platformized_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """The platformized products query, as the SDK's GET with `.r` and as a POST."""
    paths = [
        "/stores-reader/v1/products/query-platformized",
        "/stores/v1/products/query-platformized",
    ]

    def answer(request: Request[Any, Any, Any], payload: Doc) -> Doc:
        site = sb.site(request, "V1")
        body = convert(payload, PlatformQueryRequest)
        page, meta = _page(sb, site, body.query, V1_PLATFORMIZED, variants=False, hidden=True)
        return {"products": page, **meta}

    @get(paths, sync_to_thread=False)
    def query_get(request: Request[Any, Any, Any]) -> Doc:
        return answer(request, decode_r(request.query_params.get(".r")))

    @post(paths, status_code=200)
    async def query_post(request: Request[Any, Any, Any]) -> Doc:
        return answer(request, await read_body(request, dict))

    return [query_get, query_post]
