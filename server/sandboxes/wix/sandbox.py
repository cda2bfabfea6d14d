"""The Wix sandbox's runtime: sites, contract options, clock, fault control, and the auth check.

Auth follows Wix's API-key scheme [DOC]: the raw key in `Authorization` (no `Bearer`), the site in
`wix-site-id`. Missing or unknown key → 401 `UNAUTHENTICATED`; missing site id → 403; a key of
another account's site → 403 `PERMISSION_DENIED`; both `wix-site-id` and `wix-account-id` → 400
(code unspecified by Wix [DOC: "may result in an error"]). Then the endpoint's catalogue: the other
catalogue's endpoints answer 428; V1 endpoints on a site without Stores answer 401 ("Wix stores
is not installed" [DOC]) and V3 ones 428 `REQUIRED_APP_NOT_INSTALLED` [WIX-REPO].
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import msgspec
from litestar import Request

from server.sandboxes.common import (
    RateRule,
    RateWindow,
    RequestCounters,
    RequestInfo,
    SandboxControl,
    Sleep,
)
from server.sandboxes.wix.config import WixContractOptions, WixSandboxConfig
from server.sandboxes.wix.errors import WixSandboxError, from_validation, invalid, make_renderer
from server.sandboxes.wix.seed import build_site
from server.sandboxes.wix.state import Clock, Site, restructure, wall_clock

Need = Literal["V1", "V3", "any"]
T = TypeVar("T")


def _site_key(info: RequestInfo) -> str | None:
    return info.headers.get("wix-site-id") or None


class WixSandbox:
    """Everything one Wix sandbox app serves from; `reset()` rebuilds the seeded state."""

    def __init__(
        self,
        config: WixSandboxConfig,
        *,
        clock: Clock = wall_clock,
        monotonic: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Build the sites from `config` and the fault/rate control.

        `clock` stamps entities (epoch seconds); `monotonic` drives the rate window and the
        counters; `sleep` serves injected latency and timeouts (tests pass fakes for all three).
        """
        self.config = config
        self.options: WixContractOptions = msgspec.structs.replace(config.options)
        self.clock = clock
        self.window = RateWindow(
            self.options.rate_limit_per_minute,
            60.0,
            time_scale=config.time_scale,
            clock=monotonic,
        )
        self.control = SandboxControl(
            render_error=make_renderer(lambda: self.options),
            faults=config.faults,
            rules=[RateRule("site", self.window, _site_key)],
            counters=RequestCounters(monotonic),
            sleep=sleep,
            admin_prefix=config.admin_prefix,
        )
        self.sites: dict[str, Site] = {}
        self.reset()

    def reset(self) -> None:
        """Rebuild every site from the seeds and zero counters and windows."""
        now = self.clock()
        restructure()
        self.sites = {seed.site_id: build_site(seed, now) for seed in self.config.sites}
        self.control.reset()

    def site(self, request: Request[Any, Any, Any], need: Need) -> Site:
        """The authenticated site of a request, checked against the endpoint's catalogue."""
        site = self.authenticate(request.headers)
        if need == "any":
            return site
        if site.catalog == "STORES_NOT_INSTALLED":
            if need == "V1":
                raise WixSandboxError(401, "Wix stores is not installed", code="UNAUTHENTICATED")
            raise WixSandboxError(
                428, "Wix Stores is not installed", code="REQUIRED_APP_NOT_INSTALLED"
            )
        if site.catalog != f"{need}_CATALOG":
            raise WixSandboxError(
                428,
                f"This site uses {site.catalog}; {need} endpoints are not available",
                code=self.options.version_mismatch_code,
                data={"catalogVersion": site.catalog},
            )
        return site

    def authenticate(self, headers: Mapping[str, str]) -> Site:
        """The site named by `wix-site-id` if the key in `Authorization` may use it."""
        key = (headers.get("authorization") or "").strip()
        if not key:
            raise WixSandboxError(401, "Missing Authorization header", code="UNAUTHENTICATED")
        if headers.get("wix-site-id") and headers.get("wix-account-id"):
            raise invalid("wix-account-id", "Pass either wix-site-id or wix-account-id, not both")
        if key.lower().startswith("bearer "):
            if not self.options.accept_bearer_prefix:
                raise WixSandboxError(401, "Invalid authorization token", code="UNAUTHENTICATED")
            key = key[7:].strip()
        if not any(site.api_key == key for site in self.sites.values()):
            raise WixSandboxError(401, "Invalid authorization token", code="UNAUTHENTICATED")
        site_id = headers.get("wix-site-id")
        if not site_id:
            raise WixSandboxError(
                403, "wix-site-id header is required for site-level APIs", code="PERMISSION_DENIED"
            )
        site = self.sites.get(site_id)
        if site is None or site.api_key != key:
            raise WixSandboxError(
                403, "The API key may not access this site", code="PERMISSION_DENIED"
            )
        return site

    def site_by_id(self, site_id: str) -> Site:
        """A site by id for the admin API (404 when unknown)."""
        site = self.sites.get(site_id)
        if site is None:
            raise WixSandboxError(404, f"site {site_id} not found", code="NOT_FOUND")
        return site


async def read_body(request: Request[Any, Any, Any], kind: type[T]) -> T:
    """The request body decoded into `kind`; malformed JSON or fields are Wix 400s."""
    raw = await request.body()
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except msgspec.ValidationError as error:
        raise from_validation(error) from None
    except msgspec.DecodeError:
        raise invalid("", "Request body is not valid JSON") from None


def convert(payload: Any, kind: type[T]) -> T:
    """A decoded `.r` payload converted into `kind`, with Wix 400s for bad fields."""
    try:
        return msgspec.convert(payload, kind, strict=False)
    except msgspec.ValidationError as error:
        raise from_validation(error) from None
