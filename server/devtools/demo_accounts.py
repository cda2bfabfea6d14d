"""The demo's marketplace accounts: two Wix sites and two Allegro sellers on the sandboxes.

`prepare_demo_accounts(connectors)` makes sure the four accounts exist (looked up by name, created
when missing, drawing stock from warehouses A and B), connects the Allegro ones with the sandbox's
fixed demo tokens, and auto-maps every account through `connectors`. Running it again creates
nothing new: accounts are found by name and auto-map leaves existing listings alone. The Allegro
tokens are stored again on every run, because each run starts a fresh sandbox, which knows only
its seeded tokens (a refresh made against the previous sandbox rotated them away).

Needs a migrated database with the demo warehouses and a started connection pool.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from server.domain.accounts import AccountRecord, NewAccount, create_account, list_accounts
from server.domain.automap import AutomapResult, run_automap
from server.domain.connectors import MarketplaceConnectors
from server.domain.credentials import Marketplace, save_allegro_tokens
from server.errors import ConflictError, DomainError
from server.sandboxes.demo import (
    ALLEGRO_CLIENT_ID,
    ALLEGRO_CLIENT_SECRET,
    ALLEGRO_SCOPE,
    WIX_API_KEY,
    WIX_SITES,
    allegro_demo_seed,
)

WIX_ACCOUNT_ID = "stockbridge-demo-account"
"""The Wix account id the demo accounts carry (the sandbox does not check it)."""
SOURCE_WAREHOUSES = ("A", "B")
TOKEN_LIFETIME = dt.timedelta(hours=4)
"""How long the stored demo access token counts as valid before the client refreshes it."""


class DemoAccount(NamedTuple):
    """One account the demo connects; `tokens` (access, refresh) only for Allegro."""

    name: str
    marketplace: Marketplace
    credentials: dict[str, str]
    tokens: tuple[str, str] | None = None


class AccountSummary(NamedTuple):
    """What preparing one account did: created or found, and the auto-map result or error."""

    name: str
    account_id: int
    created: bool
    result: AutomapResult | None
    error: str | None = None


def demo_accounts() -> list[DemoAccount]:
    """The four demo accounts: one per Wix demo site, one per Allegro demo seller."""
    wix = [
        DemoAccount(
            name=f"Wix · {catalog.removesuffix('_CATALOG')} shop",
            marketplace=Marketplace.WIX,
            credentials={"api_key": WIX_API_KEY, "site_id": site_id, "account_id": WIX_ACCOUNT_ID},
        )
        for site_id, catalog in WIX_SITES
    ]
    allegro = [
        DemoAccount(
            name=f"Allegro · {seller.login}",
            marketplace=Marketplace.ALLEGRO,
            credentials={"client_id": ALLEGRO_CLIENT_ID, "client_secret": ALLEGRO_CLIENT_SECRET},
            tokens=(seller.access_token or "", seller.refresh_token or ""),
        )
        for seller in allegro_demo_seed().sellers
    ]
    return [*wix, *allegro]


async def _find(spec: DemoAccount) -> AccountRecord | None:
    found = await list_accounts(marketplace=spec.marketplace.value)
    return next((account for account in found if account.name == spec.name), None)


async def ensure_account(spec: DemoAccount) -> tuple[AccountRecord, bool]:
    """The account of this name, created if missing; True when it was created now."""
    existing = await _find(spec)
    if existing is not None:
        return existing, False
    new = NewAccount(
        marketplace=spec.marketplace.value,
        name=spec.name,
        credentials=dict(spec.credentials),
        source_warehouses=list(SOURCE_WAREHOUSES),
    )
    try:
        return await create_account(new), True
    except ConflictError:  # created meanwhile by someone else: as good
        raced = await _find(spec)
        if raced is None:
            raise
        return raced, False


async def connect_allegro(account_id: int, tokens: tuple[str, str]) -> None:
    """Store the seller's sandbox tokens, valid for `TOKEN_LIFETIME` from now."""
    access, refresh = tokens
    await save_allegro_tokens(
        account_id,
        access_token=access,
        refresh_token=refresh,
        expires_at=dt.datetime.now(dt.UTC) + TOKEN_LIFETIME,
        scope=ALLEGRO_SCOPE,
    )


async def prepare_account(spec: DemoAccount, connectors: MarketplaceConnectors) -> AccountSummary:
    """Find or create one account, connect it, auto-map it; a refusal is reported, not raised."""
    account, created = await ensure_account(spec)
    try:
        if spec.tokens is not None:
            await connect_allegro(account.id, spec.tokens)
        result = await run_automap(account.id, connectors)
    except DomainError as error:
        return AccountSummary(spec.name, account.id, created, None, str(error))
    return AccountSummary(spec.name, account.id, created, result)


async def prepare_demo_accounts(connectors: MarketplaceConnectors) -> list[AccountSummary]:
    """Every demo account, found or created, connected and auto-mapped, in a fixed order."""
    return [await prepare_account(spec, connectors) for spec in demo_accounts()]


def summary_line(summary: AccountSummary) -> str:
    """One line for people: items seen, mappings created, duplicates (or why it failed)."""
    state = "created" if summary.created else "exists"
    head = f"{summary.name} (#{summary.account_id}, {state})"
    result = summary.result
    if result is None:
        return f"{head}: auto-map failed: {summary.error}"
    shown = ", ".join(result.duplicate_skus[:3]) or "none"
    more = f" and {result.duplicate_skus_count - 3} more" if result.duplicate_skus_count > 3 else ""
    return (
        f"{head}: {result.wix_products_count} items seen, "
        f"{result.created_mappings} mappings created, {result.already_mapped} already mapped; "
        f"duplicate SKUs: {shown}{more}; {result.unmatched_count} SKUs not in the catalogue, "
        f"{result.without_sku_count} without SKU"
    )
