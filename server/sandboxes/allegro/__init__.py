"""A local Allegro: OAuth device flow and rotating refresh tokens, offers, product-offer PATCH
with asynchronous operations, quantity and publication commands, order events and checkout forms,
Allegro's limits and error bodies, fault injection and an admin API (see `app.py`).
"""

from server.sandboxes.allegro.app import create_allegro_sandbox
from server.sandboxes.allegro.config import AllegroLimits, AllegroSandboxConfig, LimitRule
from server.sandboxes.allegro.gate import SandboxRuntime
from server.sandboxes.allegro.models import SandboxClock
from server.sandboxes.allegro.seed import (
    AllegroSeed,
    OfferSeed,
    SellerSeed,
    apply_seed,
    demo_seed,
    generate_seed,
    load_seed,
)

__all__ = [
    "AllegroLimits",
    "AllegroSandboxConfig",
    "AllegroSeed",
    "LimitRule",
    "OfferSeed",
    "SandboxClock",
    "SandboxRuntime",
    "SellerSeed",
    "apply_seed",
    "create_allegro_sandbox",
    "demo_seed",
    "generate_seed",
    "load_seed",
]
