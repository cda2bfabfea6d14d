"""Seeding the Allegro sandbox from JSON, or generated: N sellers, M offers each, external id = SKU.

A seed names sellers and their offers; a seller may carry fixed tokens so a demo can connect
without the device flow. `demo_seed()` is what `make sandbox` serves: two sellers whose offers use
the demo catalogue's SKUs (`SB-00001`…), a few of them ended, some SKUs unlisted.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path

import msgspec

from server.sandboxes.allegro.models import AccessToken, Offer, OfferStatus, RefreshToken, Seller
from server.sandboxes.allegro.oauth_logic import DEFAULT_SCOPE
from server.sandboxes.allegro.store import AllegroStore

_WORDS = ("Lampa", "Kubek", "Patelnia", "Nóż", "Koc", "Poduszka", "Zegar", "Donica", "Plecak")
_COLOURS = ("czarny", "biały", "dębowy", "szary", "zielony", "miedziany")


class OfferSeed(msgspec.Struct, rename="camel", kw_only=True):
    """One offer to create; `id` is generated when omitted."""

    external_id: str | None
    available: int
    name: str = "Produkt demonstracyjny StockBridge"
    id: str | None = None
    status: OfferStatus = "ACTIVE"
    price: str = "99.00"


class SellerSeed(msgspec.Struct, rename="camel", kw_only=True):
    """One seller account, its offers, and optionally fixed tokens for a given Client ID."""

    id: str
    login: str
    email: str = ""
    offers: list[OfferSeed] = msgspec.field(default_factory=list)
    client_id: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None


class AllegroSeed(msgspec.Struct, kw_only=True):
    """The whole initial state."""

    sellers: list[SellerSeed]


def generate_seed(
    sellers: int = 2,
    offers_per_seller: int = 50,
    *,
    sku_format: str = "SB-{:05d}",
    seed: int = 2026,
) -> AllegroSeed:
    """Sellers with `offers_per_seller` offers each: SKUs 1…N, ~5 % ended, ~5 % without SKU."""
    rng = random.Random(seed)
    result: list[SellerSeed] = []
    for number in range(1, sellers + 1):
        offers = []
        for sku_number in range(1, offers_per_seller + 1):
            roll = rng.random()
            available = 0 if roll < 0.05 else rng.randint(1, 120)
            offers.append(
                OfferSeed(
                    external_id=None if 0.05 <= roll < 0.10 else sku_format.format(sku_number),
                    available=available,
                    status="ENDED" if available == 0 else "ACTIVE",
                    name=f"{rng.choice(_WORDS)} {rng.choice(_COLOURS)} model {sku_number}",
                    price=f"{rng.randint(10, 900)}.{rng.choice(('00', '49', '99'))}",
                )
            )
        seller_id = str(40_000_000 + number)
        login = f"StockBridgeDemo{number}"
        result.append(
            SellerSeed(
                id=seller_id, login=login, email=f"{login.lower()}@example.com", offers=offers
            )
        )
    return AllegroSeed(sellers=result)


def demo_seed(
    offers_per_seller: int = 200, *, extra_offers: Sequence[OfferSeed] = ()
) -> AllegroSeed:
    """The demo: two sellers with fixed tokens (listed in the README) for the demo Client ID.

    `extra_offers` are appended to each seller's generated offers (e.g. a second offer for a SKU);
    offer ids are numbered in seed order, so the same arguments give the same ids.
    """
    seed = generate_seed(2, offers_per_seller)
    for number, seller in enumerate(seed.sellers, start=1):
        seller.offers.extend(msgspec.structs.replace(offer) for offer in extra_offers)
        seller.client_id = "stockbridge-demo"
        seller.access_token = f"demo-access-token-{number}"
        seller.refresh_token = f"demo-refresh-token-{number}"
    return seed


def load_seed(path: Path) -> AllegroSeed:
    """A seed from a JSON file shaped like `AllegroSeed` (camelCase keys)."""
    return msgspec.json.decode(path.read_bytes(), type=AllegroSeed)


def apply_seed(store: AllegroStore, seed: AllegroSeed) -> None:
    """Fill an empty store from `seed`."""
    now = store.now()
    next_id = 17_000_000_000 + len(store.offers)
    for index, seller_seed in enumerate(seed.sellers):
        seller = Seller(id=seller_seed.id, login=seller_seed.login, email=seller_seed.email)
        store.add_seller(seller)
        for position, offer_seed in enumerate(seller_seed.offers):
            next_id += 1
            created = now - dt.timedelta(days=30, seconds=-(index * 100_000 + position))
            offer = Offer(
                id=offer_seed.id or str(next_id),
                seller_id=seller.id,
                name=offer_seed.name,
                external_id=offer_seed.external_id,
                available=offer_seed.available,
                price=offer_seed.price,
                status=offer_seed.status,
                ended_by="EMPTY_STOCK" if offer_seed.status == "ENDED" else None,
                created_at=created,
                updated_at=created,
                started_at=created,
                ended_at=created if offer_seed.status == "ENDED" else None,
            )
            store.add_offer(offer)
        _seed_tokens(store, seller_seed)


def _seed_tokens(store: AllegroStore, seller_seed: SellerSeed) -> None:
    client_id = seller_seed.client_id or next(iter(store.config.clients))
    far = store.now() + dt.timedelta(days=3650)
    if seller_seed.access_token:
        store.access_tokens[seller_seed.access_token] = AccessToken(
            seller_id=seller_seed.id, client_id=client_id, scope=DEFAULT_SCOPE, expires_at=far
        )
    if seller_seed.refresh_token:
        store.refresh_tokens[seller_seed.refresh_token] = RefreshToken(
            seller_id=seller_seed.id,
            client_id=client_id,
            scope=DEFAULT_SCOPE,
            expires_at=far,
            access_token=seller_seed.access_token or "",
        )
