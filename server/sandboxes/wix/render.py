"""The JSON the sandbox answers with: V1 products and inventory items, V3 products and inventory
items, and eCommerce orders, with Wix's field names [DOC, typings]."""

from __future__ import annotations

from typing import Any

from server.sandboxes.wix.state import (
    STORES_APP_ID,
    Order,
    Product,
    Site,
    Variant,
    iso,
    v1_stock_status,
)

Doc = dict[str, Any]


def v1_product(product: Product, *, include_variants: bool, variant_stock: bool) -> Doc:
    """A V1 product; `stock.quantity` (tracked products) is the sum of the variants'."""
    stock: Doc = {
        "trackInventory": product.track_quantity,
        "inStock": any(v.available for v in product.variants),
    }
    if product.track_quantity:
        stock["quantity"] = sum(v.quantity for v in product.variants)
    stock["inventoryStatus"] = v1_stock_status(product)
    doc: Doc = {
        "id": product.id,
        "name": product.name,
        "slug": product.slug,
        "visible": product.visible,
        "productType": product.product_type,
        "sku": "" if product.manage_variants else product.sku,
        "stock": stock,
        "priceData": {"currency": "USD", "price": product.price, "discountedPrice": product.price},
        "manageVariants": product.manage_variants,
        "productOptions": [
            {
                "optionType": "drop_down",
                "name": name,
                "choices": [
                    {"value": c, "description": c, "inStock": True, "visible": True} for c in values
                ],
            }
            for name, values in product.options().items()
        ],
        "numericId": str(product.numeric_id),
        "inventoryItemId": product.inventory_item_id,
        "lastUpdated": iso(product.updated),
        "createdDate": iso(product.created),
    }
    if include_variants:
        doc["variants"] = [_v1_variant(product, v, variant_stock) for v in product.variants]
    return doc


def _v1_variant(product: Product, variant: Variant, with_stock: bool) -> Doc:
    doc: Doc = {
        "id": variant.id,
        "choices": dict(variant.choices),
        "variant": {
            "priceData": {"currency": "USD", "price": product.price},
            "weight": 0,
            "sku": variant.sku,
            "visible": variant.visible,
        },
    }
    if with_stock:
        stock: Doc = {"trackQuantity": variant.track_quantity, "inStock": variant.available}
        if variant.track_quantity:
            stock["quantity"] = variant.quantity
        doc["stock"] = stock
    return doc


def v1_inventory_item(product: Product) -> Doc:
    """A V1 inventory item (`InventoryItemV2`): one per product, its variants' stock inside."""
    variants = []
    for variant in product.variants:
        entry: Doc = {"variantId": variant.id, "inStock": variant.available}
        if product.track_quantity:
            entry["quantity"] = variant.quantity
        if variant.preorder_enabled and not variant.available:
            entry["availableForPreorder"] = True
        variants.append(entry)
    first = product.variants[0]
    preorder: Doc = {}
    if first.preorder_enabled:
        preorder = {"enabled": True, "limit": first.preorder_limit}
    return {
        "id": product.inventory_item_id,
        "externalId": product.id,
        "productId": product.id,
        "trackQuantity": product.track_quantity,
        "variants": variants,
        "lastUpdated": iso(product.inventory_updated),
        "numericId": str(product.inventory_numeric_id),
        "preorderInfo": preorder,
    }


def v3_product(product: Product, *, include_variants: bool) -> Doc:
    """A V3 product (`V3Product`); variants only where the endpoint returns them."""
    available = [v.available for v in product.variants]
    status = (
        "IN_STOCK"
        if all(available)
        else ("PARTIALLY_OUT_OF_STOCK" if any(available) else "OUT_OF_STOCK")
    )
    doc: Doc = {
        "id": product.id,
        "revision": str(product.revision),
        "createdDate": iso(product.created),
        "updatedDate": iso(product.updated),
        "name": product.name,
        "slug": product.slug,
        "visible": product.visible,
        "productType": product.product_type.upper(),
        "inventory": {"availabilityStatus": status, "preorderStatus": "DISABLED"},
        "variantSummary": {"variantCount": len(product.variants)},
    }
    if include_variants:
        doc["variantsInfo"] = {"variants": [_v3_variant(product, v) for v in product.variants]}
    return doc


def _v3_variant(product: Product, variant: Variant) -> Doc:
    doc: Doc = {
        "id": variant.id,
        "visible": variant.visible,
        "choices": [
            {"optionChoiceNames": {"optionName": name, "choiceName": value}}
            for name, value in variant.choices.items()
        ],
        "price": {"actualPrice": {"amount": f"{product.price:.2f}"}},
        "inventoryStatus": {
            "inStock": variant.available,
            "preorderEnabled": variant.preorder_enabled,
        },
    }
    if variant.sku:
        doc["sku"] = variant.sku
    return doc


def v3_item(site: Site, product: Product, variant: Variant) -> Doc:
    """A V3 inventory item: one variant at the default location, `quantity` xor `inStock`."""
    doc: Doc = {
        "id": variant.item_id,
        "revision": str(variant.revision),
        "createdDate": iso(variant.created),
        "updatedDate": iso(variant.updated),
        "variantId": variant.id,
        "locationId": site.location_id,
        "productId": product.id,
        "trackQuantity": variant.track_quantity,
        "availabilityStatus": _availability(variant),
        "preorderInfo": _preorder(variant),
        "product": {
            "name": product.name,
            "variantName": " | ".join(variant.choices.values()) or product.name,
            "variantVisible": variant.visible,
        },
    }
    if variant.sku:
        doc["product"]["variantSku"] = variant.sku
    if variant.track_quantity:
        doc["quantity"] = variant.quantity
    else:
        doc["inStock"] = variant.in_stock
    return doc


def _availability(variant: Variant) -> str:
    if variant.available:
        return "IN_STOCK"
    if variant.preorder_enabled and variant.preorder_counter < variant.preorder_limit:
        return "PREORDER"
    return "OUT_OF_STOCK"


def _preorder(variant: Variant) -> Doc:
    if not variant.preorder_enabled:
        return {"enabled": False, "counter": variant.preorder_counter}
    return {
        "enabled": True,
        "limit": variant.preorder_limit,
        "counter": variant.preorder_counter,
        "quantity": max(variant.preorder_limit - variant.preorder_counter, 0),
    }


def order(item: Order) -> Doc:
    """An eCommerce order with the fields a stock sync needs [DOC, typings]."""
    return {
        "id": item.id,
        "number": item.number,
        "createdDate": iso(item.created),
        "updatedDate": iso(item.updated),
        "status": item.status,
        "paymentStatus": item.payment_status,
        "fulfillmentStatus": item.fulfillment_status,
        "archived": item.archived,
        "channelInfo": {"type": "WEB"},
        "lineItems": [
            {
                "id": line.id,
                "productName": {"original": line.name},
                "catalogReference": {
                    "catalogItemId": line.product_id,
                    "appId": line.app_id or STORES_APP_ID,
                    "options": {"variantId": line.variant_id} if line.variant_id else {},
                },
                "quantity": line.quantity,
                "physicalProperties": {"sku": line.sku, "shippable": True},
                "itemType": {"preset": "PHYSICAL"},
            }
            for line in item.lines
        ],
    }
