"""Settings of the Allegro sandbox: credentials, lifetimes, delays, limits and contract choices.

Every value defaults to what `../shared/contracts/allegro.md` documents. Where the contract is
unsure, the default is the *safer* reading (the one a client must survive) and the comment says so;
each such knob can be flipped to the other reading.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.sandboxes.common import FaultSettings


class LimitRule(msgspec.Struct, frozen=True, kw_only=True):
    """One rate limit: `limit` units per `window_s` seconds (0 switches it off).

    `block_s` > 0 turns an excess into a block: every call is refused for that long.
    `extend_block` makes calls made during a block start it again (Allegro's leaky-bucket blocks
    "lengthen if you keep calling" [#3454, #6754]).
    """

    limit: int
    window_s: float = 60.0
    block_s: float = 0.0
    extend_block: bool = False


class AllegroLimits(msgspec.Struct, frozen=True, kw_only=True):
    """The documented budgets (contract §3); all per seller except `global_per_client`."""

    # 9000 requests/min per Client ID; "the Client ID is blocked for a minute" [docs FAQ].
    # The FAQ says nothing about extending the global block, so it is a flat minute.
    global_per_client: LimitRule = LimitRule(limit=9000, block_s=60.0)
    # GET /sale/product-offers/{offerId}: 3500/min per seller [#9983, #11266].
    product_offer_get: LimitRule = LimitRule(limit=3500)
    # PATCH: 2500/min announced, maintainers quote 2490 -> the lower (safer) number [#13498].
    product_offer_patch: LimitRule = LimitRule(limit=2490)
    # "Failed requests consume the budget faster" is not quantified: a failed PATCH costs this
    # many units [inferred].
    patch_failure_weight: int = 2
    # Commands: 9000 offer changes/min and 250 000/h per seller, counted per offer [spec, #6434].
    offer_changes_minute: LimitRule = LimitRule(limit=9000)
    offer_changes_hour: LimitRule = LimitRule(limit=250_000, window_s=3600.0)
    # The spec states the budget on each command resource separately; sharing one budget between
    # quantity and publication commands is the stricter reading [inferred].
    commands_share_budget: bool = True
    # GET command summary/tasks: "270 000 offer changes per minute" read [spec].
    command_reads: LimitRule = LimitRule(limit=270_000)
    # Token generation "is limited per user" but no number is published: off by default.
    token_requests: LimitRule = LimitRule(limit=0)
    # Per-seller limits count refused calls too, so hammering keeps the seller blocked.
    count_refused: bool = True


class AllegroSandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the Allegro sandbox can be told; see the module docstring."""

    # Registered applications: Client ID -> Client Secret.
    clients: dict[str, str] = msgspec.field(
        default_factory=lambda: {"stockbridge-demo": "stockbridge-demo-secret"}
    )
    # Base URL written into `Location` and `verification_uri`; empty: the address each request
    # came to (right behind a proxy only if the proxy keeps the Host header).
    public_url: str = ""
    access_token_ttl_s: int = 43199
    refresh_token_ttl_s: int = 90 * 24 * 3600
    # Docs: an old refresh token still works for 60 s after its first use. 0 (the safer reading
    # for clients: never rely on it) by default; set 60 to reproduce the documented grace.
    refresh_reuse_grace_s: float = 0.0
    device_code_ttl_s: int = 3600
    device_interval_s: int = 5
    # The PL docs example quotes `expires_in`/`interval` as strings; real payloads use integers.
    device_numbers_as_strings: bool = False
    # Polling faster than `interval` answers `slow_down` [docs].
    enforce_slow_down: bool = True
    # User-Agent `Name/Version (+URL)` is mandatory since the end of June 2026 [#13126]. The
    # refusal's status and body are undocumented: 403 ErrorsHolder here [inferred].
    require_user_agent: bool = True
    # The spec answers a bad token on GET /sale/offers with 403; practice shows 401 (contract
    # §5 O1). 401 by default; 403 reproduces the spec.
    offers_bad_token_status: Literal[401, 403] = 401
    # Maintainers: a repeated `offer.id` parameter returned all offers [#11856]; only the
    # comma-separated form filters. True reproduces that report (the safer reading).
    offer_id_repeated_ignored: bool = True
    # Share of PATCHes answered 202 + Location (the rest 200); Allegro may answer either.
    patch_async_share: float = 1.0
    # How long a 202 PATCH stays PENDING/IN_PROGRESS (sandbox-clock seconds).
    operation_delay_s: float = 1.0
    operation_retry_after_s: int = 1
    # How long a command takes: tasks appear (NEW) after half of it, results after all of it.
    command_delay_s: float = 2.0
    # Re-PUT of a command id with the same body: the spec says "409 Command id was already
    # used"; some clients assume an idempotent 201. 409 by default (safer).
    command_reuse_same_body: Literal["conflict", "idempotent"] = "conflict"
    # Status for bad command bodies: the spec lists 400 and 422 without saying which [open q. 4].
    command_validation_status: Literal[400, 422] = 422
    # 429 body code: `TooManyRequestsException` [#10696] or `TOO_MANY_REQUESTS` [#13498].
    too_many_requests_code: str = "TooManyRequestsException"
    # No `Retry-After` on 429 is documented; switch on to test clients that honour it.
    retry_after_on_429: bool = False
    limits: AllegroLimits = msgspec.field(default_factory=AllegroLimits)
    # Divides every rate window and block (`RateWindow` semantics): 100 turns Allegro's minute
    # into 0.6 s with the same budgets, so benchmarks and tests keep the ratios.
    time_scale: Annotated[float, msgspec.Meta(ge=1)] = 1.0
    faults: FaultSettings = msgspec.field(default_factory=FaultSettings)
