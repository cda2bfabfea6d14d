"""Reading a site's products, and finding variants by SKU, for either catalogue version.

Filters go to Wix where Wix documents them as filterable and are applied here otherwise. V1
products filter `id` and `productType`, hide hidden products unless `includeHiddenProducts`, and
carry variant SKUs only inside `variants` (the `sku` filter sees the product-level SKU alone), so
SKU matching happens here over the whole catalogue. V3 products filter `id` and `visible` only
and a V3 query returns no variants [WIX-REPO, typings], so variants and SKUs come from the
inventory items, which filter `productId` and `product.variantSku` [typings].
"""

from __future__ import annotations

from collections.abc import Sequence

from server.marketplaces.wix.crawl import (
    V3_PRODUCTS_PAGE_SIZE,
    Filter,
    all_of,
    chunks,
    crawl_cursor,
    crawl_v1,
    items_by,
)
from server.marketplaces.wix.models import (
    DEFAULT_VARIANT_ID,
    WixInventoryMetadata,
    WixProductAPI,
    WixProductFilter,
    WixProductVariant,
    WixVariantStock,
)
from server.marketplaces.wix.session import WixSession
from server.marketplaces.wix.wire import V1_PRODUCTS, V3_PRODUCTS, V1Product, V3Product

V1_PRODUCTS_QUERY = "/stores/v1/products/query"
V3_PRODUCTS_QUERY = "/stores/v3/products/query"
_EMPTY = WixInventoryMetadata()


def _from_v1(raw: V1Product) -> WixProductAPI:
    stock = raw.stock
    variants = [
        WixProductVariant(
            id=v.id,
            sku=(v.variant.sku if v.variant else None) or None,
            choices=v.choices,
            visible=v.variant.visible if v.variant else None,
        )
        for v in raw.variants
    ]
    return WixProductAPI(
        id=raw.id,
        name=raw.name,
        sku=raw.sku or None,
        visible=raw.visible,
        product_type=(raw.product_type or "").lower() or None,
        numeric_id=raw.numeric_id,
        inventory_item_id=raw.inventory_item_id,
        track_inventory=stock.track_inventory if stock else None,
        quantity=stock.quantity if stock else None,
        variants=variants,
    )


def _from_v3(raw: V3Product) -> WixProductAPI:
    variants = raw.variants_info.variants if raw.variants_info else []
    return WixProductAPI(
        id=raw.id,
        name=raw.name,
        visible=raw.visible,
        product_type=(raw.product_type or "").lower() or None,
        revision=raw.revision,
        variants=[WixProductVariant(id=v.id, sku=v.sku, visible=v.visible) for v in variants],
    )


def _keep(product: WixProductAPI, wanted: WixProductFilter) -> bool:
    if wanted.visible is not None and product.visible != wanted.visible:
        return False
    if wanted.product_type is not None and product.product_type != wanted.product_type:
        return False
    return wanted.skus is None or bool(product.skus & set(wanted.skus))


async def _v1_products(session: WixSession, wanted: WixProductFilter) -> list[WixProductAPI]:
    kind = {"productType": wanted.product_type} if wanted.product_type else None
    base = all_of(wanted.custom, kind)
    extra = {
        "includeVariants": wanted.include_variants or wanted.skus is not None,
        "includeHiddenProducts": wanted.visible is not True,
    }

    async def crawl(where: Filter) -> list[V1Product]:
        return await crawl_v1(
            session,
            V1_PRODUCTS_QUERY,
            V1_PRODUCTS,
            lambda page: page.products,
            lambda product: product.numeric_id,
            base_filter=where,
            extra=extra,
        )

    raws: list[V1Product] = []
    if wanted.product_ids is None:
        raws = await crawl(base)
    else:
        for chunk in chunks(wanted.product_ids):
            raws.extend(await crawl(all_of(base, {"id": {"$hasSome": chunk}})))
    return [p for p in map(_from_v1, raws) if _keep(p, wanted)]


async def _v3_products(session: WixSession, wanted: WixProductFilter) -> list[WixProductAPI]:
    ids = list(wanted.product_ids) if wanted.product_ids is not None else None
    if wanted.skus is not None:
        items = await items_by(session, "product.variantSku", wanted.skus, {})
        found = [i.product_id for i in items]
        ids = [i for i in found if ids is None or i in set(ids)]
        if not ids:
            return []
    base = all_of(
        wanted.custom, {"visible": wanted.visible} if wanted.visible is not None else None
    )

    async def crawl(where: Filter) -> list[V3Product]:
        return await crawl_cursor(
            session,
            V3_PRODUCTS_QUERY,
            V3_PRODUCTS,
            lambda page: page.products,
            lambda page: page.paging_metadata or _EMPTY,
            first={"filter": where} if where else {},
            limit=V3_PRODUCTS_PAGE_SIZE,
        )

    raws: list[V3Product] = []
    if ids is None:
        raws = await crawl(base)
    else:
        for chunk in chunks(ids):
            raws.extend(await crawl(all_of(base, {"id": {"$in": chunk}})))
    products = [_from_v3(raw) for raw in raws]
    if wanted.include_variants or wanted.skus is not None:
        await _attach_v3_variants(session, products)
    return [p for p in products if _keep(p, wanted)]


async def _attach_v3_variants(session: WixSession, products: list[WixProductAPI]) -> None:
    """Fill V3 products' variants (id, SKU) from their inventory items."""
    by_id = {p.id: p for p in products}
    items = await items_by(session, "productId", list(by_id), {})
    for product in products:
        product.variants = []
    for item in items:
        owner = by_id.get(item.product_id)
        if owner is not None and item.variant_id:
            sku = item.product.variant_sku if item.product else None
            owner.variants.append(WixProductVariant(id=item.variant_id, sku=sku))


async def get_all_products(
    session: WixSession, wanted: WixProductFilter | None = None
) -> list[WixProductAPI]:
    """Every product matching `wanted`, all pages."""
    wanted = wanted or WixProductFilter()
    if wanted.product_ids is not None and not wanted.product_ids:
        return []
    if await session.catalog() == "V1":
        return await _v1_products(session, wanted)
    return await _v3_products(session, wanted)


async def _v1_variant_rows(
    session: WixSession, products: list[WixProductAPI], wanted: set[str] | None
) -> list[WixVariantStock]:
    """Join V1 products (for SKUs) with their inventory items (for stock), one row a variant."""
    sku_of: dict[tuple[str, str], str | None] = {}
    for product in products:
        for variant in product.variants:
            sku = variant.sku or (product.sku if variant.id == DEFAULT_VARIANT_ID else None)
            if wanted is None or sku in wanted:
                sku_of[(product.id, variant.id)] = sku
    ids = [p.id for p in products] if wanted is not None else None
    rows = []
    for item in await items_by(session, "productId", ids, {}):
        for row in item.stock_rows():
            key = (row.product_id, row.variant_id)
            if key in sku_of:
                row.sku = sku_of[key]
                rows.append(row)
    return rows


async def products_by_skus(session: WixSession, skus: Sequence[str]) -> list[WixVariantStock]:
    """The variants carrying these SKUs with their stock (a SKU found twice yields two rows)."""
    if not skus:
        return []
    wanted = set(skus)
    if await session.catalog() == "V3":
        items = await items_by(session, "product.variantSku", list(skus), {})
        rows = [row for item in items for row in item.stock_rows()]
        return [row for row in rows if row.sku in wanted]
    products = await _v1_products(session, WixProductFilter(skus=list(skus)))
    return await _v1_variant_rows(session, products, wanted)


async def all_variants(session: WixSession) -> list[WixVariantStock]:
    """Every variant of the site with its SKU (None if it has none), ids and stock."""
    if await session.catalog() == "V3":
        items = await items_by(session, "productId", None, {})
        return [row for item in items for row in item.stock_rows()]
    products = await _v1_products(session, WixProductFilter(include_variants=True))
    return await _v1_variant_rows(session, products, None)
