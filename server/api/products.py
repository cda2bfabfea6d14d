"""`/api/products`: search, create, read, edit and delete products, and read their stock."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Template

from server.api.deps import api_actor
from server.api.product_openapi import PatchProductOperation, ReplaceProductOperation
from server.api.schemas import ProductCreate
from server.domain import product_search, products
from server.domain.product_edit import edit_product
from server.domain.product_search import MAX_PAGE_SIZE, ProductPage
from server.domain.products import NewProduct, ProductRecord, StockLine
from server.web.guards import require_admin, require_user, session_info
from server.web.product_form import MAX_BODY_BYTES, read_product_edit
from server.web.product_schemas import sku_cursor

EDIT_BODY = (
    "A JSON object, or a multipart/form-data form with the same fields and an `image` file "
    "(JPEG, PNG or WebP, at most 5 MB and 25 megapixels; re-encoded and thumbnailed). Fields: "
    "`sku`, `name`, `ean` (EAN-8/EAN-13/UPC-A, empty or null for none), `description`, "
    "`attributes` (an object; JSON text in a form), `is_sync_enabled`, `remove_image`."
)

OFFSET_HELP = "matches to skip; prefer `after`, whose cost does not grow with the depth"
AFTER_HELP = "the page after this SKU: the previous page's `next_after` (keyset paging)"
BEFORE_HELP = "the page before this SKU: a page's `prev_before`; the first page if few remain"


class ProductController(Controller):
    """Catalogue items."""

    path = "/api/products"
    tags = ["products"]

    @get("/", guards=[require_user], operation_id="listProducts")
    async def list_products(
        self,
        q: Annotated[
            str | None, QueryParameter(max_length=200, description="text in name/SKU/EAN")
        ] = None,
        sku: Annotated[str | None, QueryParameter(max_length=64)] = None,
        sync_enabled: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000, description=OFFSET_HELP)] = 0,
        after: Annotated[str | None, sku_cursor(AFTER_HELP)] = None,
        before: Annotated[str | None, sku_cursor(BEFORE_HELP)] = None,
    ) -> ProductPage:
        """Search products in SKU order, a page at a time.

        Page with `after` (the page's `next_after`), or `before` (its `prev_before`) to go back;
        `offset` still works but costs more the deeper it goes. Give at most one of the three
        (400 names the second). `total` counts every match: exact up to 10,000, otherwise see
        `total_is_estimate` and `total_is_capped`.
        """
        return await product_search.list_products(
            q=q,
            sku=sku,
            sync_enabled=sync_enabled,
            limit=limit,
            offset=offset,
            after=after,
            before=before,
        )

    @post("/", guards=[require_admin], operation_id="createProduct")
    async def create_product(
        self, request: Request[Any, Any, Any], data: JSONBody[ProductCreate]
    ) -> ProductRecord:
        """Create a product (201); 409 if the SKU exists."""
        new = NewProduct(
            sku=data.sku,
            name=data.name,
            ean=data.ean,
            description=data.description,
            attributes=data.attributes,
            is_sync_enabled=data.is_sync_enabled,
        )
        return await products.create_product(new, actor=api_actor(request))

    @get("/{sku:str}", guards=[require_user], operation_id="getProduct")
    async def get_product(self, sku: FromPath[str]) -> ProductRecord:
        """One product with its total stock."""
        return await products.get_product(sku)

    @delete("/{sku:str}", guards=[require_admin], operation_id="deleteProduct")
    async def delete_product(self, request: Request[Any, Any, Any], sku: FromPath[str]) -> None:
        """Delete a product with its stock, sales and transfers (204)."""
        await products.delete_product(sku, actor=api_actor(request))

    @put(
        "/{sku:str}",
        guards=[require_admin],
        operation_id="replaceProduct",
        operation_class=ReplaceProductOperation,
        request_max_body_size=MAX_BODY_BYTES,
        description=EDIT_BODY + " `sku` and `name` are required; fields left out get defaults.",
    )
    async def replace_product(
        self, request: Request[Any, Any, Any], sku: FromPath[str]
    ) -> ProductRecord:
        """Full update; 409 names the product holding a new SKU, 422 names a refused field."""
        changes = await read_product_edit(request, full=True)
        return await edit_product(sku, changes, actor=api_actor(request))

    @patch(
        "/{sku:str}",
        guards=[require_admin],
        operation_id="editProduct",
        operation_class=PatchProductOperation,
        request_max_body_size=MAX_BODY_BYTES,
        description=EDIT_BODY + " Only the fields sent change.",
    )
    async def patch_product(
        self, request: Request[Any, Any, Any], sku: FromPath[str]
    ) -> ProductRecord:
        """Partial update; the changed fields are recorded as one PRODUCT_EDIT operation."""
        changes = await read_product_edit(request, full=False)
        return await edit_product(sku, changes, actor=api_actor(request))

    @get(
        "/{sku:str}/edit",
        guards=[require_admin],
        operation_id="productEditForm",
        media_type=MediaType.HTML,
    )
    async def edit_form(self, request: Request[Any, Any, Any], sku: FromPath[str]) -> Template:
        """The edit form (an HTML fragment), filled with the product's values."""
        info = session_info(request)
        return Template(
            template_name="product_form.html",
            context={
                "product": await products.get_product(sku),
                "csrf_token": info.csrf_token if info is not None else "",
            },
        )

    @get("/{sku:str}/stock", guards=[require_user], operation_id="getProductStock")
    async def product_stock(self, sku: FromPath[str]) -> list[StockLine]:
        """Quantity and reserved units per warehouse."""
        return await products.stock_for_product(sku)
