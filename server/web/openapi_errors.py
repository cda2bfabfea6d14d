"""The error answers every API operation documents in the OpenAPI schema.

Guards, CSRF and the domain's errors answer 401, 403, 404, 409 and 422 with `ErrorBody`, but
Litestar only documents the 400 of its own validation. `document_error_responses` adds, to every
route handler of an app, the answers its guards and method can give; handlers that can give more
(a marketplace's 502 and 503, a throttled login's 429) name those in their own `responses=`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from server.web.errors import ErrorBody
from server.web.guards import UNSAFE_METHODS, require_admin, require_user

DESCRIPTIONS = {
    400: "The request is malformed (a parameter or body field of the wrong type or shape)",
    401: "Not authenticated: no valid Bearer token or session",
    403: "Forbidden: the action needs an admin, or a session's CSRF token is missing",
    404: "Not found: a named product, warehouse, account or record does not exist",
    409: "Conflict with the current state (a duplicate, too little stock, unreadable credentials)",
    422: "A well-formed value breaks a rule; `field` names it",
    429: "Too many attempts; wait the seconds in `Retry-After`",
    502: "The marketplace failed while it was asked",
    503: "No client for this marketplace is configured in this process",
}


def error_response(status: int) -> ResponseSpec:
    """The documented answer for an error status: the common `ErrorBody`."""
    return ResponseSpec(data_container=ErrorBody, description=DESCRIPTIONS[status])


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """`responses=` for a handler that can answer these statuses too."""
    return {status: error_response(status) for status in statuses}


def _guard_functions(handler: HTTPRouteHandler) -> set[Callable[..., Any]]:
    return {getattr(guard, "func", guard) for guard in handler.resolve_guards()}


def statuses_for(handler: HTTPRouteHandler, has_path_params: bool) -> set[int]:
    """The error statuses a handler's guards, path and method can produce."""
    guards = _guard_functions(handler)
    statuses: set[int] = {400}
    if guards & {require_user, require_admin}:
        statuses |= {401, 422}
    if require_admin in guards:
        statuses.add(403)
    unsafe = bool(handler.http_methods & UNSAFE_METHODS)
    if guards and unsafe:
        statuses |= {403, 404, 409}
    if guards and has_path_params:
        statuses.add(404)
    return statuses


def document_error_responses(app: Litestar) -> None:
    """Add the error answers to every schema-visible handler (before the schema is first built)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.include_in_schema is False:
                continue
            wanted = statuses_for(handler, bool(route.path_parameters))
            current = dict(handler.responses or {})
            for status in sorted(wanted - set(current)):
                current[status] = error_response(status)
            current[400] = error_response(400)  # ours, not Litestar's ValidationException shape
            handler.responses = current
