"""Wix connector: account test (catalogue version) and variants for auto-map."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from redis.asyncio import Redis

from server.domain.accounts import AccountRecord
from server.domain.connectors import AccountTestResult, MarketplaceItem
from server.domain.credentials import WixCredentials as StoredWixCredentials
from server.domain.credentials import load_credentials
from server.errors import ValidationFailedError
from server.marketplaces.http import build_http_client
from server.marketplaces.ratelimit import WIX_SITE_BUDGET, wix_site_key
from server.marketplaces.retry import RetryPolicy
from server.marketplaces.wix.client import WixClient, create_wix_client
from server.marketplaces.wix.errors import WixApiError
from server.marketplaces.wix.models import CatalogVersion
from server.marketplaces.wix.session import WixCredentials, wix_retry_policy
from server.settings import Settings

CATALOG_TTL_S = 300.0
"""How long a site's catalogue version is reused before it is asked again."""


class WixConnector:
    """Builds per-call Wix clients; each site's 200/min budget is shared through Redis.

    A site's catalogue version (`GET /stores/v3/provision/version`) is remembered per process for
    `CATALOG_TTL_S`, so the sync's many short-lived clients do not each ask for it again.
    """

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        time_scale: float = 1.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        """`transport` lets tests and the demo reach an in-process sandbox.

        `retry` replaces the configured retry policy (tests give one that sleeps on a fake
        clock); None builds it from the settings.
        """
        self.settings = settings
        self.redis = redis
        self.transport = transport
        self.time_scale = time_scale
        self.retry = retry
        self._catalogs: dict[str, tuple[CatalogVersion, float]] = {}

    def retry_policy(self) -> RetryPolicy:
        """The injected policy, else `SYNC_RETRY_ATTEMPTS` with `RATE_LIMITED_WAIT_SECONDS`."""
        return self.retry or wix_retry_policy(
            self.settings.sync_retry_attempts,
            throttle_wait_s=self.settings.rate_limited_wait_seconds,
        )

    @asynccontextmanager
    async def client(self, account: AccountRecord) -> AsyncIterator[WixClient]:
        """A client for the account's site, closed on exit."""
        stored = await load_credentials(account.id)
        if not isinstance(stored, StoredWixCredentials):
            raise ValidationFailedError("not a Wix account", field="marketplace")
        http = build_http_client(
            self.settings.wix_api_url, self.settings.sync_timeout_seconds, transport=self.transport
        )
        limiter = WIX_SITE_BUDGET.limiter(
            self.redis, wix_site_key(stored.site_id), time_scale=self.time_scale
        )
        client = create_wix_client(
            http,
            WixCredentials(api_key=stored.api_key, site_id=stored.site_id),
            limiter,
            self.retry_policy(),
            f"account-{account.id}",
        )
        cached = self._catalogs.get(stored.site_id)
        if cached is not None and cached[1] > time.monotonic():
            client.session.remember_catalog(cached[0])
        try:
            yield client
        finally:
            await http.aclose()
            known = client.session.known_catalog
            if known is not None and (
                cached is None or cached[0] != known or cached[1] <= time.monotonic()
            ):
                self._catalogs[stored.site_id] = (known, time.monotonic() + CATALOG_TTL_S)

    async def fetch_items(self, account: AccountRecord) -> Sequence[MarketplaceItem]:
        """Every variant of the site with its SKU and ids."""
        async with self.client(account) as client:
            variants = await client.get_all_variants()
        return [
            MarketplaceItem(
                sku=variant.sku,
                product_id=variant.product_id,
                variant_id=variant.variant_id,
                inventory_item_id=variant.inventory_item_id,
            )
            for variant in variants
        ]

    async def test_account(self, account: AccountRecord) -> AccountTestResult:
        """Ask which catalogue the site uses: a harmless read that needs valid credentials."""
        try:
            async with self.client(account) as client:
                version = await client.catalog_version(refresh=True)
        except WixApiError as error:
            if error.status in (401, 403, 404):
                return AccountTestResult(ok=False, message=f"Wix refused: {error.message}")
            raise
        if version == "STORES_NOT_INSTALLED":
            return AccountTestResult(
                ok=False, message="The key works, but Wix Stores is not installed on this site."
            )
        return AccountTestResult(
            ok=True,
            message=f"Connected; the site uses {version.replace('_', ' ').title()}.",
            details={"catalog_version": version},
        )
