"""Catalog V3 products: Query Products (POST, or GET with `.r`) and Get Product [DOC, typings].

Query: cursor paging up to 100 a page, filterable fields per the typed `V3ProductQuerySpec`
(`id`, `handle`, `options.id`, `createdDate`, `updatedDate`, `slug`, `visible`), answer
`{products, pagingMetadata {count, cursors, hasNext}}`; results carry no variants unless
`v3_query_includes_variants` [WIX-REPO]. Get Product returns `variantsInfo.variants`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from server.sandboxes.wix.errors import not_found
from server.sandboxes.wix.paging import QuerySpec, platform_page
from server.sandboxes.wix.query import Doc, decode_r
from server.sandboxes.wix.render import v3_product
from server.sandboxes.wix.sandbox import WixSandbox, convert, read_body
from server.sandboxes.wix.state import Product

V3_PRODUCTS = QuerySpec(
    kind="v3-products",
    filter_fields=frozenset(
        {"id", "handle", "options.id", "createdDate", "updatedDate", "slug", "visible"}
    ),
    sort_fields=frozenset({"createdDate", "updatedDate", "slug", "visible"}),
    default_sort=(("createdDate", True),),
    max_limit=100,
)


class ProductsQueryBody(msgspec.Struct):
    """Body (or `.r`) of Query Products; `fields` takes enum values like `CURRENCY`."""

    query: dict[str, Any] = msgspec.field(default_factory=dict)
    fields: list[str] = msgspec.field(default_factory=list)


def v3_product_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Route handlers for V3 products."""

    def _query(request: Request[Any, Any, Any], payload: Doc) -> Doc:
        site = sb.site(request, "V3")
        body = convert(payload, ProductsQueryBody)
        with_variants = sb.options.v3_query_includes_variants

        def render(product: Product) -> Doc:
            return v3_product(product, include_variants=with_variants)

        def source() -> list[tuple[Product, Doc]]:
            return [(p, render(p)) for p in site.products.values()]

        key = (id(site), with_variants)
        page, meta = platform_page(source, render, key, body.query, V3_PRODUCTS, sb.options)
        return {"products": page, "pagingMetadata": meta}

    @post("/stores/v3/products/query", status_code=200)
    async def query_post(request: Request[Any, Any, Any]) -> Doc:
        return _query(request, await read_body(request, dict))

    @get("/stores/v3/products/query", sync_to_thread=False)
    def query_get(request: Request[Any, Any, Any]) -> Doc:
        return _query(request, decode_r(request.query_params.get(".r")))

    @get("/stores/v3/products/{product_id:str}", sync_to_thread=False)
    def get_product(request: Request[Any, Any, Any], product_id: FromPath[str]) -> Doc:
        site = sb.site(request, "V3")
        product = site.products.get(product_id)
        if product is None:
            raise not_found("Product", product_id)
        return {"product": v3_product(product, include_variants=True)}

    return [query_post, query_get, get_product]
