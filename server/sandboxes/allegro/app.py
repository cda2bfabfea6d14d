"""`create_allegro_sandbox(config)`: the Allegro sandbox as one Litestar app.

The auth host (`/auth/oauth/...`, `/skojarz-aplikacje`) and the REST API share the app; admin
routes live under `/_sandbox/`. The shared middleware counts requests per endpoint, adds latency,
applies the per-Client-ID budget and injects faults; a small outer middleware stamps every answer
with a `trace-id` like Allegro's (16 hex characters).
"""

from __future__ import annotations

import secrets

from litestar import Litestar
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.sandboxes.allegro import routes_auth, routes_commands, routes_offers, routes_orders
from server.sandboxes.allegro.admin import ADMIN_PREFIX, admin_router
from server.sandboxes.allegro.config import AllegroSandboxConfig
from server.sandboxes.allegro.errors import (
    AllegroProblem,
    handle_crash,
    handle_http_exception,
    handle_problem,
)
from server.sandboxes.allegro.gate import SandboxRuntime
from server.sandboxes.allegro.limits import SellerLimits, client_rule, error_renderer
from server.sandboxes.allegro.models import SandboxClock
from server.sandboxes.allegro.seed import AllegroSeed, apply_seed, generate_seed
from server.sandboxes.allegro.store import AllegroStore
from server.sandboxes.common import SandboxControl, Sleep, sandbox_admin_router, sandbox_middleware

API_HANDLERS = [
    routes_auth.device_authorization,
    routes_auth.token,
    routes_auth.verification_page,
    routes_auth.verification_submit,
    routes_offers.me,
    routes_offers.list_offers,
    routes_offers.get_product_offer,
    routes_offers.get_product_offer_parts,
    routes_offers.patch_product_offer,
    routes_offers.get_operation,
    routes_commands.put_quantity_command,
    routes_commands.get_quantity_command,
    routes_commands.get_quantity_tasks,
    routes_commands.put_publication_command,
    routes_commands.get_publication_command,
    routes_commands.get_publication_tasks,
    routes_orders.order_events,
    routes_orders.order_event_stats,
    routes_orders.list_checkout_forms,
    routes_orders.get_checkout_form,
]


def trace_id_middleware(app: ASGIApp) -> ASGIApp:
    """Add a `trace-id` header to every HTTP response [observed]."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        trace_id = secrets.token_hex(8).encode()

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"trace-id", trace_id))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, stamped)

    return middleware


def create_allegro_sandbox(
    config: AllegroSandboxConfig | None = None,
    seed: AllegroSeed | None = None,
    *,
    clock: SandboxClock | None = None,
    sleep: Sleep | None = None,
) -> Litestar:
    """Build the sandbox app, seeded (default: `generate_seed()`); state is on `app.state.allegro`.

    Args:
        config: Limits, delays and contract choices (`AllegroSandboxConfig()` by default).
        seed: Sellers and offers to start with; `/_sandbox/reset` restores them.
        clock: The sandbox clock (tests keep a handle to advance it).
        sleep: How injected latency and timeouts wait (tests may pass a fake).
    """
    config = config or AllegroSandboxConfig()
    initial = seed if seed is not None else generate_seed()
    store = AllegroStore(config, clock)
    apply_seed(store, initial)
    control = SandboxControl(
        render_error=error_renderer(config), faults=config.faults, rules=client_rule(store)
    )
    if sleep is not None:
        control.sleep = sleep
    control.admin_prefix = ADMIN_PREFIX
    runtime = SandboxRuntime(
        store=store, limits=SellerLimits(config, store.clock.seconds), control=control
    )

    def reset() -> None:
        """Back to the seed: state, counters, scripted faults and rate windows."""
        store.clear()
        apply_seed(store, initial)
        control.reset()
        runtime.limits.reset()

    return Litestar(
        route_handlers=[*API_HANDLERS, admin_router(reset), sandbox_admin_router(control)],
        middleware=[trace_id_middleware, sandbox_middleware(control)],
        exception_handlers={
            AllegroProblem: handle_problem,
            HTTPException: handle_http_exception,
            Exception: handle_crash,
        },
        state=State({"allegro": runtime}),
        openapi_config=None,
    )
