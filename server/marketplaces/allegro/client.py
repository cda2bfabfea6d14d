"""`AllegroClient`: one seller account's API client, and `connect_allegro` to assemble one.

The client is the union of the offer, command/push and order operations over one authorised
request path (`base.AllegroBase`). The lead's wiring creates, per account, an API and an auth
`MarketplaceHttp` (see `base.allegro_http`), an `AllegroOAuth` for the app's Client ID, a
`TokenStore` backed by the account's encrypted credentials, and an `AllegroSession`.
"""

from __future__ import annotations

from server.marketplaces.allegro.base import Polling, SellerLimiters
from server.marketplaces.allegro.oauth import AllegroOAuth
from server.marketplaces.allegro.offers import AllegroOffers
from server.marketplaces.allegro.orders import AllegroOrders
from server.marketplaces.allegro.push import AllegroPush
from server.marketplaces.allegro.session import AllegroSession, TokenStore
from server.marketplaces.http import MarketplaceHttp


class AllegroClient(AllegroOffers, AllegroPush, AllegroOrders):
    """Offers, stock pushes (PATCH and commands) and orders for one Allegro seller."""


def connect_allegro(
    api: MarketplaceHttp,
    auth: MarketplaceHttp,
    *,
    client_id: str,
    client_secret: str,
    store: TokenStore,
    limiters: SellerLimiters | None = None,
    polling: Polling | None = None,
) -> AllegroClient:
    """A client for the seller whose tokens are in `store`."""
    session = AllegroSession(AllegroOAuth(auth, client_id, client_secret), store)
    return AllegroClient(api, session, limiters=limiters, polling=polling)
