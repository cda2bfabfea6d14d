"""Sandbox apps for the browser tests, as uvicorn factories (`--factory`)."""

from __future__ import annotations

from litestar import Litestar

from server.sandboxes.allegro import create_allegro_sandbox, generate_seed
from server.sandboxes.wix import create_wix_sandbox, demo_config

BROWSER_WIX_PRODUCTS = 12
"""Products per demo site; their SKUs are `SB-000001`..."""


def wix_app() -> Litestar:
    """The demo Wix sandbox (key `wix-demo-api-key`, a V1 and a V3 site)."""
    return create_wix_sandbox(demo_config(products=BROWSER_WIX_PRODUCTS, sku_prefix="SB-"))


def allegro_app() -> Litestar:
    """An Allegro sandbox (Client ID `stockbridge-demo`) with two sellers of 12 offers each."""
    return create_allegro_sandbox(seed=generate_seed(sellers=2, offers_per_seller=12))
