"""The Allegro client: OAuth device flow and rotating tokens, offers, stock edits, commands, orders.

Built on the shared `MarketplaceHttp` (limits, retries, logs). Errors are `AllegroApiError`
(a `MarketplaceError`) with the parsed `errors[]`.
"""

from server.marketplaces.allegro.base import (
    ALLEGRO_BLOCK_S,
    DEFAULT_USER_AGENT,
    VENDOR_TYPE,
    AllegroBase,
    Polling,
    SellerLimiters,
    allegro_http,
    allegro_retry_policy,
)
from server.marketplaces.allegro.client import AllegroClient, connect_allegro
from server.marketplaces.allegro.commands import MAX_COMMAND_OFFERS, SubmittedCommand
from server.marketplaces.allegro.errors import (
    AllegroApiError,
    AllegroDeviceFlowError,
    AllegroRateLimitedError,
    AllegroReconnectRequired,
    AllegroTimeoutError,
    parse_allegro_error,
)
from server.marketplaces.allegro.models import (
    CommandTask,
    DeviceAuthorization,
    ErrorItem,
    Offer,
    ProductOffer,
    Tokens,
)
from server.marketplaces.allegro.oauth import AllegroOAuth, DevicePoll
from server.marketplaces.allegro.order_models import CheckoutForm, OrderEvent
from server.marketplaces.allegro.push import PushResult, StockTarget
from server.marketplaces.allegro.session import (
    AllegroSession,
    AllegroTokenSaveError,
    InMemoryTokenStore,
    TokenStore,
)

__all__ = [
    "ALLEGRO_BLOCK_S",
    "DEFAULT_USER_AGENT",
    "MAX_COMMAND_OFFERS",
    "VENDOR_TYPE",
    "AllegroApiError",
    "AllegroBase",
    "AllegroClient",
    "AllegroDeviceFlowError",
    "AllegroOAuth",
    "AllegroRateLimitedError",
    "AllegroReconnectRequired",
    "AllegroSession",
    "AllegroTimeoutError",
    "AllegroTokenSaveError",
    "CheckoutForm",
    "CommandTask",
    "DeviceAuthorization",
    "DevicePoll",
    "ErrorItem",
    "InMemoryTokenStore",
    "Offer",
    "OrderEvent",
    "Polling",
    "ProductOffer",
    "PushResult",
    "SellerLimiters",
    "StockTarget",
    "SubmittedCommand",
    "TokenStore",
    "Tokens",
    "allegro_http",
    "allegro_retry_policy",
    "connect_allegro",
    "parse_allegro_error",
]
