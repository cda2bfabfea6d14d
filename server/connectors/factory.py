"""Assemble the connectors a process hands to the domain."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from server.connectors.allegro import AllegroConnector
from server.connectors.wix import WixConnector
from server.domain.connectors import MarketplaceConnectors
from server.settings import Settings


def build_connectors(
    settings: Settings,
    redis: Redis,
    *,
    wix_transport: httpx.AsyncBaseTransport | None = None,
    allegro_transport: httpx.AsyncBaseTransport | None = None,
    time_scale: float = 1.0,
) -> MarketplaceConnectors:
    """Wix and Allegro connectors at the configured base URLs (or the given transports)."""
    wix = WixConnector(settings, redis, transport=wix_transport, time_scale=time_scale)
    allegro = AllegroConnector(settings, redis, transport=allegro_transport, time_scale=time_scale)
    return MarketplaceConnectors(
        item_sources={"wix": wix, "allegro": allegro},
        testers={"wix": wix, "allegro": allegro},
        device_flows={"allegro": allegro},
    )
