"""What the domain needs from the marketplace clients, as small protocols they implement.

The web process finds the configured implementations on `app.state` under
`CONNECTORS_STATE_KEY`, as a `MarketplaceConnectors` keyed by marketplace (`wix`, `allegro`), set
where the clients are built (the lifespan). Nothing is configured by default: auto-map and the
account test then answer 503 "marketplace client not configured" instead of pretending.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar

import msgspec

from server.domain.accounts import AccountRecord, get_account
from server.errors import DomainError

logger = logging.getLogger(__name__)
CONNECTORS_STATE_KEY = "marketplace_connectors"
MAX_ERROR_TEXT = 300
T = TypeVar("T")


class MarketplaceItem(msgspec.Struct, frozen=True, kw_only=True):
    """One item as the marketplace lists it: a Wix product variant or an Allegro offer.

    Wix items carry `product_id` and `variant_id` (and `inventory_item_id`); Allegro items carry
    `offer_id`. `sku` is the marketplace's SKU (Allegro: the offer's external id), if any.
    """

    sku: str | None = None
    product_id: str | None = None
    variant_id: str | None = None
    inventory_item_id: str | None = None
    offer_id: str | None = None


class AccountTestResult(msgspec.Struct, kw_only=True):
    """Whether the marketplace accepted the account's credentials, said for a person to read."""

    ok: bool
    message: str
    details: dict[str, str] = msgspec.field(default_factory=dict)


class ItemSource(Protocol):
    """Reads every item of an account from its marketplace (all pages)."""

    async def fetch_items(self, account: AccountRecord) -> Sequence[MarketplaceItem]:
        """The account's items; credentials come from `load_credentials(account.id)`."""
        ...


class AccountTester(Protocol):
    """Checks an account's credentials against its marketplace with a harmless read."""

    async def test_account(self, account: AccountRecord) -> AccountTestResult:
        """ok=False with a reason for refused credentials; raise only for unexpected failures."""
        ...


class DeviceCode(msgspec.Struct, frozen=True, kw_only=True):
    """What Allegro answered to a device-flow start (`device_code` stays server-side)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


PollStatus = Literal["pending", "slow_down", "approved"]


class DeviceFlowConnector(Protocol):
    """The marketplace side of the device flow."""

    async def start_device_flow(self, account: AccountRecord) -> DeviceCode:
        """Ask for a new code."""
        ...

    async def poll_device_flow(self, account: AccountRecord, device_code: str) -> PollStatus:
        """Poll once; on approval the tokens are saved before this returns."""
        ...


@dataclasses.dataclass(frozen=True)
class MarketplaceConnectors:
    """The configured implementations, by marketplace name."""

    item_sources: Mapping[str, ItemSource] = dataclasses.field(default_factory=dict)
    testers: Mapping[str, AccountTester] = dataclasses.field(default_factory=dict)
    device_flows: Mapping[str, DeviceFlowConnector] = dataclasses.field(default_factory=dict)


NO_CONNECTORS = MarketplaceConnectors()


class MarketplaceNotConfiguredError(DomainError):
    """No client for this marketplace is configured in this process."""

    status_code = 503
    code = "marketplace_not_configured"


class MarketplaceCallError(DomainError):
    """The marketplace (or the way to it) failed while we asked it something."""

    status_code = 502
    code = "marketplace_error"


def not_configured(marketplace: str) -> MarketplaceNotConfiguredError:
    """The 503 for a marketplace without a configured client."""
    return MarketplaceNotConfiguredError(f"marketplace client not configured for {marketplace}")


def item_source_for(connectors: MarketplaceConnectors, marketplace: str) -> ItemSource:
    """The item source of a marketplace, or 503."""
    source = connectors.item_sources.get(marketplace)
    if source is None:
        raise not_configured(marketplace)
    return source


def tester_for(connectors: MarketplaceConnectors, marketplace: str) -> AccountTester:
    """The account tester of a marketplace, or 503."""
    tester = connectors.testers.get(marketplace)
    if tester is None:
        raise not_configured(marketplace)
    return tester


async def call_marketplace(account: AccountRecord, call: Awaitable[T]) -> T:
    """Await a client call; an unexpected failure becomes a 502 naming the marketplace."""
    try:
        return await call
    except DomainError:
        raise
    except Exception as exc:
        logger.warning(
            "%s call for account %d failed: %s", account.marketplace, account.id, type(exc).__name__
        )
        text = str(exc)[:MAX_ERROR_TEXT] or type(exc).__name__
        raise MarketplaceCallError(f"{account.marketplace} request failed: {text}") from exc


async def run_account_test(account_id: int, connectors: MarketplaceConnectors) -> AccountTestResult:
    """Test an account's credentials through the configured tester."""
    account = await get_account(account_id)
    tester = tester_for(connectors, account.marketplace)
    return await call_marketplace(account, tester.test_account(account))


def connectors_from(state: Mapping[str, Any]) -> MarketplaceConnectors:
    """The connectors kept in an app's state; none configured if the key is absent."""
    value = state.get(CONNECTORS_STATE_KEY)
    if value is None:
        return NO_CONNECTORS
    if not isinstance(value, MarketplaceConnectors):
        raise TypeError(f"app.state.{CONNECTORS_STATE_KEY} must be a MarketplaceConnectors")
    return value
