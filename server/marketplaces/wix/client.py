"""`WixClient`: one Wix site's API for StockBridge, the same calls for Catalog V1 and V3.

The catalogue version is asked once (`GET /stores/v3/provision/version`) and decides every
path. Build one per account where the account's `httpx.AsyncClient` is built (lifespan or worker
startup), with `create_wix_client`; errors are `WixApiError`, bad inputs `WixInputError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

from server.marketplaces.ratelimit import RateLimiter
from server.marketplaces.retry import RetryPolicy
from server.marketplaces.wix import inventory, orders, products, writes
from server.marketplaces.wix.errors import WixApiError
from server.marketplaces.wix.models import (
    CatalogVersion,
    WixInventoryFilter,
    WixInventoryItem,
    WixInventoryResponse,
    WixInventoryUpdate,
    WixProductAPI,
    WixProductFilter,
    WixVariantStock,
)
from server.marketplaces.wix.orders import WixOrder, WixOrdersPage
from server.marketplaces.wix.session import WixCredentials, WixSession, wix_http
from server.marketplaces.wix.writes import WixWriteResult

T = TypeVar("T")


class WixClient:
    """Stock, products and orders of one Wix site.

    Reads and absolute sets that Wix refuses with 428 ask for the catalogue version again: if the
    site moved from V1 to V3 meanwhile, they run once more on the new paths. Relative changes do
    not (a partly applied run must not be repeated).
    """

    def __init__(self, session: WixSession) -> None:
        """Use an authenticated session (see `create_wix_client`)."""
        self.session = session

    @property
    def stats(self) -> dict[str, Any]:
        """Request counters of the underlying HTTP layer."""
        return self.session.http.stats.snapshot()

    async def _guarded(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run `call`, once more if a 428 turns out to be a changed catalogue version."""
        try:
            return await call()
        except WixApiError as error:
            before = self.session.known_catalog
            if error.status != 428 or before is None:
                raise
            if await self.session.catalog_version(refresh=True) == before:
                raise
        return await call()

    async def catalog_version(self, *, refresh: bool = False) -> CatalogVersion:
        """`V1_CATALOG`, `V3_CATALOG` or `STORES_NOT_INSTALLED` (asked once, then remembered)."""
        return await self.session.catalog_version(refresh=refresh)

    async def query_inventory(
        self,
        product_ids: Sequence[str] | None = None,
        filter_str: str | None = None,
        sort_str: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> WixInventoryResponse:
        """One page of inventory items; filter and sort are JSON strings (see `inventory`)."""
        return await self._guarded(
            lambda: inventory.query_inventory(
                self.session, product_ids, filter_str, sort_str, limit, offset
            )
        )

    async def get_all_inventory_items(
        self, wanted: WixInventoryFilter | None = None
    ) -> list[WixInventoryItem]:
        """Every inventory item matching `wanted`, all pages."""
        return await self._guarded(lambda: inventory.get_all_inventory_items(self.session, wanted))

    async def get_all_stock(
        self, wanted: WixInventoryFilter | None = None
    ) -> list[WixVariantStock]:
        """Every variant's stock matching `wanted` (one read pass for a reconciliation)."""
        items = await self.get_all_inventory_items(wanted)
        return [row for item in items for row in item.stock_rows()]

    async def get_all_products(self, wanted: WixProductFilter | None = None) -> list[WixProductAPI]:
        """Every product matching `wanted`, all pages, variants included by default."""
        return await self._guarded(lambda: products.get_all_products(self.session, wanted))

    async def get_all_variants(self) -> list[WixVariantStock]:
        """Every variant with its SKU, product/variant/item ids and stock (for auto-mapping)."""
        return await self._guarded(lambda: products.all_variants(self.session))

    async def products_by_skus(self, skus: Sequence[str]) -> list[WixVariantStock]:
        """Product id, variant id and current quantity of each variant carrying one of `skus`."""
        return await self._guarded(lambda: products.products_by_skus(self.session, skus))

    async def update_inventory(
        self,
        updates: Sequence[WixInventoryUpdate],
        increment: bool,
        *,
        allow_negative: bool = False,
    ) -> WixWriteResult:
        """Relative change by each update's `quantity` (not retried: not idempotent)."""
        return await writes.update_inventory(
            self.session, updates, increment, allow_negative=allow_negative
        )

    async def set_inventory(self, updates: Sequence[WixInventoryUpdate]) -> WixWriteResult:
        """Absolute set of each update's `quantity` (V3: with revisions, conflicts retried)."""
        return await self._guarded(lambda: writes.set_inventory(self.session, updates))

    async def search_orders(
        self,
        filter_: dict[str, Any] | None = None,
        sort: list[dict[str, str]] | None = None,
        page_size: int = orders.ORDERS_PAGE_SIZE,
    ) -> list[WixOrder]:
        """Every order matching `filter_`, all pages."""
        return await orders.search_orders(self.session, filter_, sort, page_size)

    async def get_order(self, order_id: str) -> WixOrder:
        """One order by id, read fresh (`GET /ecom/v1/orders/{id}`)."""
        return await orders.get_order(self.session, order_id)

    def iter_order_pages(
        self,
        filter_: dict[str, Any] | None = None,
        sort: list[dict[str, str]] | None = None,
        page_size: int = orders.ORDERS_PAGE_SIZE,
    ) -> AsyncIterator[WixOrdersPage]:
        """Search Orders page by page (to import while reading)."""
        return orders.iter_order_pages(self.session, filter_, sort, page_size)


def create_wix_client(
    client: httpx.AsyncClient,
    credentials: WixCredentials,
    limiter: RateLimiter,
    retry: RetryPolicy,
    account_label: str,
) -> WixClient:
    """A `WixClient` over the shared HTTP layer (Wix's error parser, the site's budget)."""
    return WixClient(WixSession(wix_http(client, limiter, retry, account_label), credentials))
