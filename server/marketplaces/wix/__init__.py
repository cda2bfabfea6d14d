"""The Wix client: Stores Catalog V1 and V3 (chosen per site), inventory, products and orders.

`create_wix_client(http_client, WixCredentials(api_key, site_id), limiter, retry, label)` builds
a `WixClient` on the shared HTTP layer; the site budget is `WIX_SITE_BUDGET` (200 a minute) keyed
by `wix_site_key(site_id)` in `server.marketplaces.ratelimit`.
"""

from server.marketplaces.wix.client import WixClient, create_wix_client
from server.marketplaces.wix.errors import (
    WixApiError,
    WixInputError,
    WixRateLimitedError,
    parse_wix_error,
)
from server.marketplaces.wix.models import (
    DEFAULT_VARIANT_ID,
    CatalogVersion,
    WixInventoryFilter,
    WixInventoryItem,
    WixInventoryItemProduct,
    WixInventoryMetadata,
    WixInventoryQuery,
    WixInventoryResponse,
    WixInventoryUpdate,
    WixInventoryVariant,
    WixPreorderInfo,
    WixProductAPI,
    WixProductFilter,
    WixProductVariant,
    WixVariantStock,
)
from server.marketplaces.wix.orders import WixCatalogReference, WixOrder, WixOrderLineItem
from server.marketplaces.wix.session import WixCredentials, WixSession, wix_http
from server.marketplaces.wix.writes import WixItemFailure, WixWriteResult

__all__ = [
    "DEFAULT_VARIANT_ID",
    "CatalogVersion",
    "WixApiError",
    "WixCatalogReference",
    "WixClient",
    "WixCredentials",
    "WixInputError",
    "WixInventoryFilter",
    "WixInventoryItem",
    "WixInventoryItemProduct",
    "WixInventoryMetadata",
    "WixInventoryQuery",
    "WixInventoryResponse",
    "WixInventoryUpdate",
    "WixInventoryVariant",
    "WixItemFailure",
    "WixOrder",
    "WixOrderLineItem",
    "WixPreorderInfo",
    "WixProductAPI",
    "WixProductFilter",
    "WixProductVariant",
    "WixRateLimitedError",
    "WixSession",
    "WixVariantStock",
    "WixWriteResult",
    "create_wix_client",
    "parse_wix_error",
    "wix_http",
]
