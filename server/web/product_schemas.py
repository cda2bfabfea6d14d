"""Bodies of a product edit (JSON, or the same fields in a multipart form with an `image` file),
and the SKU cursor of the product list's keyset paging (API and dashboard).

Lengths here are a first, cheap check; `server.domain.validation` makes the real one (formats,
check digits, control characters) and names the field it refuses.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.params import QueryParameter
from msgspec import UNSET, UnsetType

from server.domain.validation import SKU_PATTERN

SkuText = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["SB-00001"])]
NameText = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
EanText = Annotated[str, msgspec.Meta(max_length=13, examples=["5901234123457"])]
DescriptionText = Annotated[str, msgspec.Meta(max_length=20_000)]


def sku_cursor(description: str | None = None) -> QueryParameter:
    """A query parameter holding a SKU that marks a page's edge (`after`, `before`).

    A cursor is a SKU, so it obeys the SKU rule; anything else marks no position and is
    refused (400 naming the parameter) before it reaches a query.
    """
    return QueryParameter(
        min_length=1, max_length=64, pattern=SKU_PATTERN.pattern, description=description
    )


class ProductPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A partial edit: only the fields sent change. `remove_image` drops the image."""

    sku: SkuText | UnsetType = UNSET
    name: NameText | UnsetType = UNSET
    ean: EanText | UnsetType | None = UNSET
    description: DescriptionText | UnsetType = UNSET
    attributes: dict[str, Any] | UnsetType = UNSET
    is_sync_enabled: bool | UnsetType = UNSET
    remove_image: bool = False


class ProductReplace(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A full edit: `sku` and `name` are required; fields left out get their defaults.

    The image is kept unless a new one is uploaded or `remove_image` is set.
    """

    sku: SkuText
    name: NameText
    ean: EanText | None = None
    description: DescriptionText = ""
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    is_sync_enabled: bool = True
    remove_image: bool = False
