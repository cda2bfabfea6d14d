"""Settings of the Wix sandbox: sites and their catalogues, limits, and contract choices.

Every default follows `../shared/contracts/wix.md` (checked against Wix's official service files
and the typed SDK packages on npm). Where the contract is unsure, the default is the *safer*
reading (the one a client must survive), the comment says so, and the knob flips it.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.sandboxes.common import FaultSettings

CatalogVersion = Literal["V1_CATALOG", "V3_CATALOG", "STORES_NOT_INSTALLED"]


class WixVariantSeed(msgspec.Struct, kw_only=True):
    """One variant of a seeded product (`choices` empty for a product without options)."""

    sku: str = ""
    choices: dict[str, str] = msgspec.field(default_factory=dict)
    quantity: int = 0
    visible: bool = True


class WixProductSeed(msgspec.Struct, kw_only=True):
    """One product to seed; without `variants` it gets one default variant carrying `sku`."""

    name: str
    sku: str = ""
    quantity: int = 0
    visible: bool = True
    product_type: Literal["physical", "digital"] = "physical"
    track_quantity: bool = True
    price: float = 10.0
    variants: list[WixVariantSeed] = msgspec.field(default_factory=list)


class WixSiteSeed(msgspec.Struct, kw_only=True):
    """A site: its credentials, catalogue version and either explicit or generated products.

    Generated products (`generate` > 0) get SKUs `{sku_prefix}{n}`, `n` zero-padded to
    `sku_digits` digits (`SKU-000001` by default); every `variant_every`-th product has
    `variants_per_product` option variants (`{sku}-{k}`), the rest none. Quantities are drawn from
    `quantity_range` with `random_seed`; every `hidden_every`-th product is hidden. Seeded ids are
    derived from `site_id` and `random_seed`, so a restart or reset serves the same ids.
    """

    site_id: str
    api_key: str
    catalog: CatalogVersion = "V3_CATALOG"
    products: list[WixProductSeed] = msgspec.field(default_factory=list)
    generate: Annotated[int, msgspec.Meta(ge=0)] = 0
    sku_prefix: str = "SKU-"
    sku_digits: Annotated[int, msgspec.Meta(ge=1, le=12)] = 6
    variants_per_product: Annotated[int, msgspec.Meta(ge=1, le=20)] = 3
    variant_every: Annotated[int, msgspec.Meta(ge=0)] = 4
    hidden_every: Annotated[int, msgspec.Meta(ge=0)] = 0
    quantity_range: tuple[int, int] = (0, 50)
    random_seed: int = 7


class WixContractOptions(msgspec.Struct, kw_only=True):
    """Contract readings the sources leave open; each default is the safer one for a client."""

    # Auth. Bad/unknown key: Wix documents 401 (and "occasionally" 403); 401 chosen and kept.
    # A key sent as `Bearer <key>` is refused: Wix's SDK sends the raw key [contracts README].
    accept_bearer_prefix: bool = False
    # Site-level calls with a key of another account: 403 PERMISSION_DENIED [DOC: keys only work
    # for sites their account owns; status inferred].
    # Rate limit: 200/min per site [DOC]; no Retry-After is documented, so none by default.
    rate_limit_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 200
    retry_after_on_429: bool = False
    # 5xx bodies are "sent empty by design" [DOC]; True answers injected 5xx with an HTML page,
    # as some Wix gateways do [WIX-REPO], to test non-JSON error handling.
    html_5xx: bool = False
    # `x-wix-request-id` on responses: seen on Wix web responses [COMMUNITY], unverified on APIs.
    request_id_header: bool = True
    # Calling the other catalogue's endpoints: 428 [WIX-REPO for V3 on V1; COMMUNITY for V1 on
    # V3]. The error code is not documented [inferred name].
    version_mismatch_code: str = "CATALOG_VERSION_MISMATCH"
    # V1 paging: `limit` > 100 is rejected (400) rather than clamped [typings say max 100;
    # Wix's reaction unverified]; offset + limit past 10,000 fails [DOC: "may fail"].
    v1_reject_limit_over_max: bool = True
    v1_offset_ceiling: Annotated[int, msgspec.Meta(ge=0)] = 10_000
    # V1 products filter `sku` matches the product-level SKU only (empty for managed variants);
    # True also matches variant SKUs [unverified either way].
    v1_sku_filter_matches_variants: bool = False
    # V1 Query Products never showed `variants[].stock` in any official example [DOC-EX];
    # True adds it (schema lists it).
    v1_variant_stock_in_products: bool = False
    # V1 decrement below zero / on untracked items: undocumented. Refused with 428 codes borrowed
    # from V3 (safer: a client must not rely on negative stock) unless "allow".
    v1_decrement_below_zero: Literal["reject", "allow"] = "reject"
    # Unknown filter fields answer 400 (Wix validates filter fields); False ignores the check.
    strict_filter_fields: bool = True
    # V3 Query/Search results carry no variants [WIX-REPO]; True adds `variantsInfo`.
    v3_query_includes_variants: bool = False
    # Re-sending filter/sort with a cursor: "Following requests use the cursor token and not
    # filter or sort" [typings]. Refused (400) by default; False ignores them.
    reject_filter_with_cursor: bool = True
    # V3 stale revision on bulk update: the whole request fails 409 [DOC troubleshooting], or
    # (item) that item fails inside a 200 with code REVISION_MISMATCH [inferred name].
    v3_revision_conflict: Literal["request_409", "item"] = "request_409"
    # V3 bulk increment/decrement failures (INSUFFICIENT_INVENTORY, not tracked, limits) are the
    # methods' documented 428 errors [typings]; "item" reports them per item inside a 200.
    v3_bulk_failures: Literal["request_428", "item"] = "request_428"
    # Wix decrements its own inventory when an order is placed for tracked items [INFERRED].
    orders_decrement_stock: bool = True


class WixSandboxConfig(msgspec.Struct, kw_only=True):
    """Everything the Wix sandbox is built from; see the module docstring."""

    sites: list[WixSiteSeed] = msgspec.field(default_factory=list)
    options: WixContractOptions = msgspec.field(default_factory=WixContractOptions)
    faults: FaultSettings = msgspec.field(default_factory=FaultSettings)
    # Runs time faster for benchmarks: 10 makes the 200/min window 6 s long (as the client limiter).
    time_scale: Annotated[float, msgspec.Meta(ge=1)] = 1.0
    admin_prefix: str = "/_sandbox"
