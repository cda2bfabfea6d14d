"""Wix payloads the client reads but does not hand out as-is: products of both catalogues, bulk
results, catalog version, orders; and the module-level decoders of every response.

Decoders are lenient (`strict=False`): int64 values Wix sends as strings (`numericId`) decode
into ints, and unknown fields are ignored, so Wix adding fields never breaks a sync.
"""

from __future__ import annotations

from typing import Any

import msgspec

from server.marketplaces.wix.models import (
    CatalogVersion,
    WixInventoryItem,
    WixInventoryMetadata,
    WixInventoryResponse,
)


class _Wire(msgspec.Struct, rename="camel", kw_only=True):
    """Base of upstream payloads: camelCase names, every field optional."""


class CatalogVersionResponse(_Wire):
    """`GET /stores/v3/provision/version`."""

    catalog_version: CatalogVersion | str = "STORES_NOT_INSTALLED"


class V1VariantData(_Wire):
    """`variants[].variant` of a V1 product."""

    sku: str | None = None
    visible: bool | None = None


class V1Variant(_Wire):
    """A V1 product variant (`includeVariants`)."""

    id: str = ""
    choices: dict[str, Any] = msgspec.field(default_factory=dict)
    variant: V1VariantData | None = None


class V1Stock(_Wire):
    """A V1 product's `stock`."""

    track_inventory: bool | None = None
    quantity: int | None = None
    in_stock: bool | None = None
    inventory_status: str | None = None


class V1Product(_Wire):
    """A V1 product."""

    id: str = ""
    name: str = ""
    sku: str | None = None
    visible: bool = True
    product_type: str | None = None
    numeric_id: int | None = None
    inventory_item_id: str | None = None
    manage_variants: bool = False
    stock: V1Stock | None = None
    variants: list[V1Variant] = msgspec.field(default_factory=list)


class V1ProductsResponse(_Wire):
    """V1 Query Products."""

    products: list[V1Product] = msgspec.field(default_factory=list)
    metadata: WixInventoryMetadata | None = None
    total_results: int | None = None


class V3Choice(_Wire):
    """A V3 variant choice (names only with `VARIANT_OPTION_CHOICE_NAMES`)."""

    option_choice_names: dict[str, Any] | None = None
    option_choice_ids: dict[str, Any] | None = None


class V3Variant(_Wire):
    """A V3 product variant (Get Product)."""

    id: str = ""
    sku: str | None = None
    visible: bool | None = None
    choices: list[V3Choice] = msgspec.field(default_factory=list)


class V3VariantsInfo(_Wire):
    """`variantsInfo` of a V3 product."""

    variants: list[V3Variant] = msgspec.field(default_factory=list)


class V3Product(_Wire):
    """A V3 product."""

    id: str = ""
    name: str = ""
    revision: str | None = None
    visible: bool = True
    product_type: str | None = None
    variants_info: V3VariantsInfo | None = None


class V3ProductsResponse(_Wire):
    """V3 Query Products."""

    products: list[V3Product] = msgspec.field(default_factory=list)
    paging_metadata: WixInventoryMetadata | None = None


class V3ProductResponse(_Wire):
    """V3 Get Product."""

    product: V3Product | None = None


class BulkError(_Wire):
    """An item's error inside a bulk response."""

    code: str | None = None
    description: str | None = None
    data: dict[str, Any] | None = None


class BulkItemMetadata(_Wire):
    """`results[].itemMetadata` of a V3 bulk response."""

    id: str | None = None
    original_index: int | None = None
    success: bool = True
    error: BulkError | None = None


class BulkResult(_Wire):
    """One entry of `results[]` (`item` only with `returnEntity`)."""

    item_metadata: BulkItemMetadata | None = None
    item: WixInventoryItem | None = None


class BulkActionMetadata(_Wire):
    """`bulkActionMetadata`."""

    total_successes: int = 0
    total_failures: int = 0
    undetailed_failures: int = 0


class BulkResponse(_Wire):
    """A V3 bulk inventory response."""

    results: list[BulkResult] = msgspec.field(default_factory=list)
    bulk_action_metadata: BulkActionMetadata | None = None


CATALOG_VERSION = msgspec.json.Decoder(CatalogVersionResponse, strict=False)
INVENTORY_PAGE = msgspec.json.Decoder(WixInventoryResponse, strict=False)
V1_PRODUCTS = msgspec.json.Decoder(V1ProductsResponse, strict=False)
V3_PRODUCTS = msgspec.json.Decoder(V3ProductsResponse, strict=False)
V3_PRODUCT = msgspec.json.Decoder(V3ProductResponse, strict=False)
BULK = msgspec.json.Decoder(BulkResponse, strict=False)
ENCODER = msgspec.json.Encoder()
