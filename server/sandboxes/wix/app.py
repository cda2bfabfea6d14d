"""The Wix sandbox as a Litestar app: `create_wix_sandbox(config)`.

Routes: catalog versioning, V1 products and inventory, V3 products, inventory items and bulk
writes, eCommerce orders; the shared fault/counter admin routes and the Wix admin routes under
`config.admin_prefix`. Every API request passes `SandboxMiddleware` (counters, latency, the
200/min per-site window, injected faults). Errors are rendered in Wix's shape.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from server.sandboxes.common import Sleep, sandbox_admin_router, sandbox_middleware
from server.sandboxes.wix.admin import wix_admin_routes
from server.sandboxes.wix.config import WixSandboxConfig
from server.sandboxes.wix.errors import exception_handlers
from server.sandboxes.wix.orders import order_routes
from server.sandboxes.wix.sandbox import WixSandbox
from server.sandboxes.wix.state import Clock, wall_clock
from server.sandboxes.wix.v1_inventory import v1_inventory_routes
from server.sandboxes.wix.v1_products import v1_product_routes
from server.sandboxes.wix.v3_bulk import v3_bulk_routes
from server.sandboxes.wix.v3_inventory import v3_inventory_routes
from server.sandboxes.wix.v3_products import v3_product_routes

STATE_KEY = "wix_sandbox"
"""Where the app keeps its `WixSandbox` in `app.state`."""


def create_wix_sandbox(
    config: WixSandboxConfig,
    *,
    clock: Clock = wall_clock,
    monotonic: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> Litestar:
    """A Wix sandbox app built from `config` (sites, contract options, faults, time scale).

    `clock`, `monotonic` and `sleep` are injectable so tests can run time forward (see
    `WixSandbox`).
    """
    sandbox = WixSandbox(config, clock=clock, monotonic=monotonic, sleep=sleep)

    async def request_id(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start" and sandbox.options.request_id_header:
            MutableScopeHeaders.from_message(message)["x-wix-request-id"] = str(uuid.uuid4())

    handlers: list[Any] = [
        *v1_product_routes(sandbox),
        *v1_inventory_routes(sandbox),
        *v3_product_routes(sandbox),
        *v3_inventory_routes(sandbox),
        *v3_bulk_routes(sandbox),
        *order_routes(sandbox),
        *wix_admin_routes(sandbox),
        sandbox_admin_router(sandbox.control),
    ]
    app = Litestar(
        route_handlers=handlers,
        middleware=[sandbox_middleware(sandbox.control)],
        exception_handlers=exception_handlers(),
        before_send=[request_id],
        openapi_config=None,
        debug=False,
    )
    app.state[STATE_KEY] = sandbox
    return app


def wix_sandbox_of(app: Litestar) -> WixSandbox:
    """The `WixSandbox` behind an app made by `create_wix_sandbox` (for tests and the runner)."""
    sandbox = app.state[STATE_KEY]
    if not isinstance(sandbox, WixSandbox):
        raise TypeError("not a Wix sandbox app")
    return sandbox
