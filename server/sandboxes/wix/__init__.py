"""A local stand-in for Wix's REST APIs (Stores Catalog V1 and V3, inventory, eCommerce orders).

`create_wix_sandbox(config)` builds the Litestar app; `demo_config()` seeds two demo sites (one
V1, one V3) that accept `DEMO_API_KEY`; `load_config(path)` reads a JSON config. Contract choices
the sources leave open are knobs of `WixContractOptions`.
"""

from server.sandboxes.wix.app import create_wix_sandbox, wix_sandbox_of
from server.sandboxes.wix.config import (
    WixContractOptions,
    WixProductSeed,
    WixSandboxConfig,
    WixSiteSeed,
    WixVariantSeed,
)
from server.sandboxes.wix.sandbox import WixSandbox
from server.sandboxes.wix.seed import DEMO_API_KEY, DEMO_SITES, demo_config, load_config

__all__ = [
    "DEMO_API_KEY",
    "DEMO_SITES",
    "WixContractOptions",
    "WixProductSeed",
    "WixSandbox",
    "WixSandboxConfig",
    "WixSiteSeed",
    "WixVariantSeed",
    "create_wix_sandbox",
    "demo_config",
    "load_config",
    "wix_sandbox_of",
]
