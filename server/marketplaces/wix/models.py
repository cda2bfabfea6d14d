"""Typed Wix payloads (decoded leniently: unknown fields ignored, int64 strings accepted as ints).

`WixInventoryItem` covers both catalogues: a V1 item (one per product, its `variants` inside,
`numericId`) and a V3 item (one per variant and location, with `revision`, `quantity` xor
`inStock`, and `product.variantSku`); `stock_rows()` flattens either into `WixVariantStock`.
`WixInventoryMetadata` likewise holds V1 offset metadata and platform cursor metadata.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from server.marketplaces.wix.errors import WixInputError

CatalogVersion = Literal["V1_CATALOG", "V3_CATALOG", "STORES_NOT_INSTALLED"]
DEFAULT_VARIANT_ID = "00000000-0000-0000-0000-000000000000"
"""The single variant of a V1 product without options."""
MAX_QUANTITY = 99_999
"""Wix quantities and change amounts stay within 99,999 [typings `@max 99999`]."""


class _Wire(msgspec.Struct, rename="camel", kw_only=True):
    """Base of upstream payloads: camelCase names, every field optional."""


class WixPreorderInfo(_Wire):
    """Preorder settings of an inventory item (V1: enabled/message/limit; V3 adds counters)."""

    enabled: bool | None = None
    message: str | None = None
    limit: int | None = None
    counter: int | None = None
    quantity: int | None = None


class WixInventoryVariant(_Wire):
    """One variant inside a V1 inventory item; `quantity` may be negative or absent."""

    variant_id: str = ""
    in_stock: bool | None = None
    quantity: int | None = None
    available_for_preorder: bool = False


class WixInventoryItemProduct(_Wire):
    """The read-only product details of a V3 inventory item."""

    name: str | None = None
    variant_name: str | None = None
    variant_sku: str | None = None
    variant_visible: bool | None = None


class WixVariantStock(msgspec.Struct, kw_only=True):
    """One sellable variant's stock, the same for both catalogues (`revision`: V3 only)."""

    product_id: str
    variant_id: str
    inventory_item_id: str
    sku: str | None = None
    quantity: int | None = None
    track_quantity: bool = True
    in_stock: bool | None = None
    revision: str | None = None


class WixInventoryItem(_Wire):
    """An inventory item of either catalogue (see the module docstring)."""

    id: str = ""
    product_id: str = ""
    external_id: str | None = None
    track_quantity: bool | None = None
    variants: list[WixInventoryVariant] = msgspec.field(default_factory=list)
    last_updated: str | None = None
    numeric_id: int | None = None
    preorder_info: WixPreorderInfo | None = None
    revision: str | None = None
    variant_id: str | None = None
    location_id: str | None = None
    quantity: int | None = None
    in_stock: bool | None = None
    availability_status: str | None = None
    created_date: str | None = None
    updated_date: str | None = None
    product: WixInventoryItemProduct | None = None

    def stock_rows(self, skus: dict[str, str] | None = None) -> list[WixVariantStock]:
        """Flatten into one row per variant; `skus` maps V1 variant ids to SKUs."""
        if self.variant_id is not None:
            sku = self.product.variant_sku if self.product else None
            tracked = bool(self.track_quantity)
            return [
                WixVariantStock(
                    product_id=self.product_id,
                    variant_id=self.variant_id,
                    inventory_item_id=self.id,
                    sku=sku,
                    quantity=self.quantity if tracked else None,
                    track_quantity=tracked,
                    in_stock=self.in_stock,
                    revision=self.revision,
                )
            ]
        return [
            WixVariantStock(
                product_id=self.product_id,
                variant_id=v.variant_id,
                inventory_item_id=self.id,
                sku=(skus or {}).get(v.variant_id),
                quantity=v.quantity,
                track_quantity=bool(self.track_quantity),
                in_stock=v.in_stock,
            )
            for v in self.variants
        ]


class WixCursors(_Wire):
    """Cursor tokens of a platform page."""

    next: str | None = None
    prev: str | None = None


class WixInventoryMetadata(_Wire):
    """Paging metadata: V1 `{items, offset}`, or platform `{count, total, cursors, hasNext}`."""

    items: int | None = None
    offset: int | None = None
    count: int | None = None
    total: int | None = None
    cursors: WixCursors | None = None
    has_next: bool | None = None

    @property
    def next_cursor(self) -> str | None:
        """The next page's cursor, if there is a next page."""
        if self.has_next is False or self.cursors is None:
            return None
        return self.cursors.next or None


class WixInventoryResponse(_Wire):
    """A page of inventory items (V1 `metadata` + `totalResults`, V3 `pagingMetadata`)."""

    inventory_items: list[WixInventoryItem] = msgspec.field(default_factory=list)
    metadata: WixInventoryMetadata | None = None
    paging_metadata: WixInventoryMetadata | None = None
    total_results: int | None = None

    @property
    def paging(self) -> WixInventoryMetadata:
        """Whichever metadata the endpoint sent."""
        return self.paging_metadata or self.metadata or WixInventoryMetadata()


class WixPagingQuery(msgspec.Struct, omit_defaults=True):
    """Offset paging of a V1 query."""

    limit: int = 100
    offset: int = 0


class WixInventoryQuery(msgspec.Struct, omit_defaults=True):
    """The V1 `query` object: filter and sort are JSON *strings* [DOC]."""

    filter: str | None = None
    sort: str | None = None
    paging: WixPagingQuery = msgspec.field(default_factory=WixPagingQuery)


class WixInventoryUpdate(msgspec.Struct, kw_only=True):
    """One stock write: a variant and a quantity (absolute, or the amount of a relative change).

    V1 needs `product_id` (or `inventory_item_id`); V3 needs `inventory_item_id` or `variant_id`.
    A V3 absolute set uses `revision` (from the read pass) as is and re-reads only on a conflict.
    Raises `WixInputError` at once when the variant id is missing or the quantity is negative.
    """

    variant_id: str
    quantity: int
    product_id: str | None = None
    inventory_item_id: str | None = None
    revision: str | None = None

    def __post_init__(self) -> None:
        """Validate before anything is sent."""
        if not self.variant_id:
            raise WixInputError("WixInventoryUpdate needs a variant_id")
        if not 0 <= self.quantity <= MAX_QUANTITY:
            raise WixInputError(
                f"quantity must be >= 0 and <= {MAX_QUANTITY} "
                f"(variant {self.variant_id}: {self.quantity})"
            )


class WixProductVariant(msgspec.Struct, kw_only=True):
    """A product's variant as the client reports it."""

    id: str
    sku: str | None = None
    choices: dict[str, Any] = msgspec.field(default_factory=dict)
    visible: bool | None = None


class WixProductAPI(msgspec.Struct, kw_only=True):
    """A product of either catalogue, normalised (`product_type` in lower case)."""

    id: str
    name: str = ""
    sku: str | None = None
    visible: bool = True
    product_type: str | None = None
    numeric_id: int | None = None
    inventory_item_id: str | None = None
    revision: str | None = None
    track_inventory: bool | None = None
    quantity: int | None = None
    variants: list[WixProductVariant] = msgspec.field(default_factory=list)

    @property
    def skus(self) -> set[str]:
        """Every non-empty SKU of the product and its variants."""
        found = {v.sku for v in self.variants if v.sku}
        return found | ({self.sku} if self.sku else set())


class WixProductFilter(msgspec.Struct, kw_only=True):
    """Which products `get_all_products` returns; unset fields do not filter.

    `custom` is a Wix filter object ANDed with the rest (sent as a string on V1 sites).
    """

    skus: list[str] | None = None
    product_ids: list[str] | None = None
    visible: bool | None = None
    product_type: Literal["physical", "digital"] | None = None
    custom: dict[str, Any] | None = None
    include_variants: bool = True


class WixInventoryFilter(msgspec.Struct, kw_only=True):
    """Which inventory items `get_all_inventory_items` returns; unset fields do not filter."""

    skus: list[str] | None = None
    product_ids: list[str] | None = None
    visible: bool | None = None
    product_type: Literal["physical", "digital"] | None = None
    custom: dict[str, Any] | None = None
