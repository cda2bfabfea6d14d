"""Allegro's rate limits in the sandbox, built on the shared `RateWindow`.

The global budget (9000 requests/min per Client ID, then a one-minute block for every seller of
that client) is a `RateRule` the shared middleware applies before the app sees the request; its
key is the Client ID behind the bearer token. Per-seller budgets depend on what the request is
(a command counts one unit per offer; a failed PATCH costs more), so handlers charge them through
`SellerLimits` once they know the seller and the cost.
"""

from __future__ import annotations

import msgspec

from server.sandboxes.allegro.config import AllegroSandboxConfig, LimitRule
from server.sandboxes.allegro.errors import AllegroProblem, error_item
from server.sandboxes.allegro.store import AllegroStore
from server.sandboxes.common import (
    Clock,
    ErrorKind,
    ErrorRenderer,
    ErrorReply,
    RateRule,
    RateWindow,
    RequestInfo,
)

_encoder = msgspec.json.Encoder()


def window(
    rule: LimitRule, config: AllegroSandboxConfig, clock: Clock, *, count_refused: bool = True
) -> RateWindow | None:
    """A `RateWindow` for `rule` on the sandbox clock, or None when the rule is switched off."""
    if rule.limit <= 0:
        return None
    return RateWindow(
        rule.limit,
        rule.window_s,
        time_scale=config.time_scale,
        block_s=rule.block_s,
        extend_block=rule.extend_block,
        count_refused=count_refused and config.limits.count_refused,
        clock=clock,
    )


def client_rule(store: AllegroStore) -> list[RateRule]:
    """The per-Client-ID rule (empty when switched off); its key is the token's Client ID."""
    config = store.config
    # The global block is flat: refused calls neither count nor extend it [docs FAQ].
    rule = window(config.limits.global_per_client, config, store.clock.seconds, count_refused=False)
    if rule is None:
        return []

    def key(info: RequestInfo) -> str | None:
        """`client:<Client ID>` of a known bearer token, else None (not counted)."""
        scheme, _, token = info.headers.get("authorization", "").partition(" ")
        record = store.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        return None if record is None else f"client:{record.client_id}"

    return [RateRule(name="allegro-client", window=rule, key=key)]


def too_many_requests(config: AllegroSandboxConfig, wait: float | None) -> AllegroProblem:
    """Allegro's 429 body [#10696]; `Retry-After` only when configured (none is documented)."""
    item = error_item(
        config.too_many_requests_code,
        "An error occurred",
        user_message="Server is unable to respond to your query. Try again in a few minutes.",
    )
    headers = {}
    if wait is not None and config.retry_after_on_429:
        headers["Retry-After"] = str(max(1, round(wait)))
    return AllegroProblem(429, {"errors": [item]}, headers)


def error_renderer(config: AllegroSandboxConfig) -> ErrorRenderer:
    """The shared middleware's `ErrorRenderer` in Allegro's shapes (429 and injected 5xx)."""

    def render(kind: ErrorKind, status: int, wait: float | None) -> ErrorReply:
        """429 in Allegro's body (Retry-After only if configured or scripted), else a 5xx."""
        if status == 429:
            problem = too_many_requests(config, wait)
            if kind == "injected_429" and wait is not None:
                problem.headers["Retry-After"] = str(max(0, round(wait)))
        else:
            code = "INTERNAL_SERVER_ERROR" if status == 500 else "SERVICE_UNAVAILABLE"
            message = "Internal server error." if status == 500 else "Service unavailable."
            problem = AllegroProblem(status, {"errors": [error_item(code, message)]})
        return ErrorReply(
            status=problem.status,
            body=_encoder.encode(problem.body),
            content_type="application/json;charset=UTF-8",
            headers=problem.headers,
        )

    return render


class SellerLimits:
    """The per-seller budgets of the endpoints the sandbox implements (contract §3.3)."""

    def __init__(self, config: AllegroSandboxConfig, clock: Clock) -> None:
        """Build one window per documented budget, on the sandbox clock."""
        limits = config.limits
        self.config = config
        self.windows: dict[str, RateWindow | None] = {
            "offer-get": window(limits.product_offer_get, config, clock),
            "offer-patch": window(limits.product_offer_patch, config, clock),
            "changes-minute": window(limits.offer_changes_minute, config, clock),
            "changes-hour": window(limits.offer_changes_hour, config, clock),
            "command-reads": window(limits.command_reads, config, clock),
            "token": window(limits.token_requests, config, clock),
        }

    def charge(self, budget: str, key: str, cost: int = 1) -> None:
        """Use `cost` units of `budget` for `key` (a seller id); 429 when it is spent."""
        rate = self.windows.get(budget)
        if rate is None or cost <= 0:
            return
        wait = rate.acquire(key, cost)
        if wait is not None:
            raise too_many_requests(self.config, wait)

    def charge_quietly(self, budget: str, key: str, cost: int) -> None:
        """Use extra units without refusing anything (failed PATCHes cost more)."""
        rate = self.windows.get(budget)
        if rate is not None and cost > 0:
            rate.acquire(key, cost)

    def charge_offer_changes(self, kind: str, seller_id: str, offers: int) -> None:
        """Commands: one unit per offer against the minute and hour budgets [#6434]."""
        scope = "commands" if self.config.limits.commands_share_budget else kind
        key = f"{seller_id}:{scope}"
        self.charge("changes-minute", key, offers)
        self.charge("changes-hour", key, offers)

    def reset(self) -> None:
        """Forget all per-seller history."""
        for rate in self.windows.values():
            if rate is not None:
                rate.reset()
