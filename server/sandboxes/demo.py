"""The demo catalogue both sandboxes serve for `make sandbox` and `make demo`.

StockBridge's demo catalogue holds SKUs `SB-00001`…`SB-00500` (`server.devtools.catalogue`). The
sandboxes carry most of them, plus a few items auto-map has to report:

- Wix, both demo sites (V1 and V3): `SB-00001`…`SB-00300`; every 60th product has three option
  variants whose SKUs (`SB-00060-1`…) exist only on the shop; `WIX-GIFT-WRAP` exists only there;
  `SB-00007` is on a second product too (a duplicate).
- Allegro, both demo sellers: offers `SB-00001`…`SB-00520` (`SB-00501`… exist only on Allegro,
  about 5 % have no external id, about 5 % are ended at zero stock), plus second offers for
  `SB-00012` and `SB-00345` (duplicates).

Everything is generated from fixed seeds: a restart serves the same items under the same ids.
"""

from __future__ import annotations

import msgspec
from litestar import Litestar

from server.sandboxes.allegro.app import create_allegro_sandbox
from server.sandboxes.allegro.config import AllegroSandboxConfig
from server.sandboxes.allegro.oauth_logic import DEFAULT_SCOPE
from server.sandboxes.allegro.seed import AllegroSeed, OfferSeed, demo_seed
from server.sandboxes.wix.app import create_wix_sandbox
from server.sandboxes.wix.config import WixProductSeed, WixSandboxConfig
from server.sandboxes.wix.seed import DEMO_API_KEY, DEMO_SITES, demo_config

WIX_PORT = 8101
ALLEGRO_PORT = 8102
WIX_PRODUCTS = 300
WIX_VARIANT_EVERY = 60
ALLEGRO_OFFERS = 520
ALLEGRO_CLIENT_ID, ALLEGRO_CLIENT_SECRET = next(iter(AllegroSandboxConfig().clients.items()))
ALLEGRO_SCOPE = DEFAULT_SCOPE
WIX_API_KEY = DEMO_API_KEY
WIX_SITES = DEMO_SITES
"""(site id, catalog version) of the two demo Wix sites."""

_WIX_EXTRAS = (
    WixProductSeed(name="Gift wrapping", sku="WIX-GIFT-WRAP", quantity=500),
    WixProductSeed(name="Product 7 (second listing)", sku="SB-00007", quantity=4),
)
_ALLEGRO_EXTRAS = (
    OfferSeed(external_id="SB-00012", available=6, name="Oferta druga: model 12"),
    OfferSeed(external_id="SB-00345", available=2, name="Oferta druga: model 345"),
)


def wix_demo_config() -> WixSandboxConfig:
    """Both demo Wix sites with the demo catalogue's SKUs (see the module docstring)."""
    return demo_config(
        WIX_PRODUCTS,
        "SB-",
        sku_digits=5,
        variant_every=WIX_VARIANT_EVERY,
        extra_products=_WIX_EXTRAS,
    )


def allegro_demo_seed() -> AllegroSeed:
    """Both demo Allegro sellers with the demo catalogue's SKUs and their fixed tokens."""
    return demo_seed(ALLEGRO_OFFERS, extra_offers=_ALLEGRO_EXTRAS)


def wix_demo_app() -> Litestar:
    """The Wix sandbox app serving the demo sites."""
    return create_wix_sandbox(wix_demo_config())


def allegro_demo_app(patch_async_share: float | None = None) -> Litestar:
    """The Allegro sandbox app serving the demo sellers.

    `patch_async_share` (0-1) is the share of offer PATCHes answered 202 + Location rather than
    200; None keeps the config's default (Allegro may answer either, contract O4).
    """
    config = AllegroSandboxConfig()
    if patch_async_share is not None:
        config = msgspec.structs.replace(config, patch_async_share=patch_async_share)
    return create_allegro_sandbox(config, allegro_demo_seed())


def credentials_lines(wix_url: str, allegro_url: str) -> list[str]:
    """What the demo credentials are, for a banner (the README lists the same)."""
    lines = [
        f"Wix sandbox:     {wix_url}   API key {WIX_API_KEY}",
        *(f"  site {site_id}  {catalog}" for site_id, catalog in WIX_SITES),
        f"Allegro sandbox: {allegro_url}   (API and auth host)",
        f"  Client ID {ALLEGRO_CLIENT_ID}, secret {ALLEGRO_CLIENT_SECRET}",
    ]
    for seller in allegro_demo_seed().sellers:
        lines.append(
            f"  seller {seller.login} (id {seller.id}): "
            f"{seller.access_token} / {seller.refresh_token}"
        )
    return lines
