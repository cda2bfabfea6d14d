"""One Wix site's authenticated session over the shared HTTP layer, and catalogue detection.

API-key calls send the raw key in `Authorization` (no `Bearer`) and the site in `wix-site-id`
[DOC, Wix's SDK]. Every request goes through `MarketplaceHttp` (site budget, retries, logs without
headers); failures surface as `WixApiError`, and so does a 2xx body that does not decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
import msgspec

from server.marketplaces.errors import MarketplaceError
from server.marketplaces.http import MarketplaceHttp
from server.marketplaces.ratelimit import RateLimiter
from server.marketplaces.retry import RetryPolicy
from server.marketplaces.wix.errors import WixApiError, parse_wix_error
from server.marketplaces.wix.models import CatalogVersion
from server.marketplaces.wix.wire import CATALOG_VERSION, ENCODER

T = TypeVar("T")
Catalog = Literal["V1", "V3"]
_VERSIONS: dict[str, CatalogVersion] = {
    "V1_CATALOG": "V1_CATALOG",
    "V3_CATALOG": "V3_CATALOG",
    "STORES_NOT_INSTALLED": "STORES_NOT_INSTALLED",
}


@dataclass(frozen=True, repr=False)
class WixCredentials:
    """A site's API key and site id; `repr` never shows the key."""

    api_key: str
    site_id: str

    def __repr__(self) -> str:
        return f"WixCredentials(site_id={self.site_id!r}, api_key='***{self.api_key[-4:]}')"


WIX_THROTTLE_WAIT_S = 60.0
"""Wix sends no Retry-After; its troubleshooting page says to wait a minute after a 429."""


def wix_retry_policy(attempts: int, *, throttle_wait_s: float = WIX_THROTTLE_WAIT_S) -> RetryPolicy:
    """The shared policy with a 429 wait as long as Wix asks for."""
    return RetryPolicy(attempts=attempts, rate_limited_min_delay_s=throttle_wait_s)


def wix_http(
    client: httpx.AsyncClient, limiter: RateLimiter, retry: RetryPolicy, account_label: str
) -> MarketplaceHttp:
    """The shared HTTP layer set up for Wix (its error parser, its name in logs)."""
    return MarketplaceHttp(client, limiter, retry, "wix", account_label, parse_wix_error)


class WixSession:
    """Authenticated requests for one site, and its catalogue version (detected once)."""

    def __init__(self, http: MarketplaceHttp, credentials: WixCredentials) -> None:
        """Use `http` (normally from `wix_http`) with these credentials."""
        self.http = http
        self.credentials = credentials
        self._catalog: CatalogVersion | None = None

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": self.credentials.api_key,
            "wix-site-id": self.credentials.site_id,
            "Content-Type": "application/json",
        }

    async def call(
        self,
        method: str,
        path: str,
        decoder: msgspec.json.Decoder[T],
        *,
        body: Any = None,
        idempotent: bool | None = None,
    ) -> T:
        """Send one request (body encoded as JSON) and decode the 2xx answer with `decoder`.

        Raises:
            WixApiError: Wix refused the request, no answer arrived, or the answer is unreadable.
        """
        content = ENCODER.encode(body) if body is not None else None
        try:
            response = await self.http.request(
                method, path, content=content, headers=self._headers(), idempotent=idempotent
            )
        except MarketplaceError as error:
            raise WixApiError.wrap(error) from error
        try:
            return decoder.decode(response.content or b"{}")
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise WixApiError(
                f"Wix answered {method} {path} with an unreadable body: {error}",
                status=response.status_code,
                code="UNEXPECTED_RESPONSE",
                method=method,
                url=path,
            ) from error

    async def catalog_version(self, *, refresh: bool = False) -> CatalogVersion:
        """`V1_CATALOG`, `V3_CATALOG` or `STORES_NOT_INSTALLED`, asked once and remembered."""
        if self._catalog is not None and not refresh:
            return self._catalog
        answer = await self.call("GET", "/stores/v3/provision/version", CATALOG_VERSION)
        version = _VERSIONS.get(str(answer.catalog_version))
        if version is None:
            raise WixApiError(
                f"unknown catalog version {answer.catalog_version!r}", code="UNEXPECTED_RESPONSE"
            )
        self._catalog = version
        return version

    def remember_catalog(self, version: CatalogVersion) -> None:
        """Take a catalogue version detected earlier (a cache), so it is not asked again."""
        self._catalog = version

    @property
    def known_catalog(self) -> CatalogVersion | None:
        """The catalogue version detected so far (None before the first call)."""
        return self._catalog

    async def catalog(self) -> Catalog:
        """`"V1"` or `"V3"`; a site without Wix Stores raises `WixApiError`."""
        version = await self.catalog_version()
        if version == "V1_CATALOG":
            return "V1"
        if version == "V3_CATALOG":
            return "V3"
        raise WixApiError(
            f"Wix Stores is not installed on site {self.credentials.site_id}",
            code="STORES_NOT_INSTALLED",
            status=428,
        )
