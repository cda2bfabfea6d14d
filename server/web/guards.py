"""Route guards: who may read and who may write, plus CSRF for cookie-authenticated writes."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from server.domain.auth import SessionInfo
from server.domain.users import UserRecord
from server.domain.validation import MAX_ID
from server.errors import NotFoundError

CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OWN_CSRF_PATHS = frozenset({"/login"})
"""Forms that carry their own double-submit token because they may come before any session."""


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> UserRecord | None:
    """The logged-in user or None."""
    user = connection.scope.get("user")
    return user if isinstance(user, UserRecord) else None


def require_user(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any logged-in user (admin or viewer)."""
    if current_user(connection) is None:
        raise NotAuthorizedException("authentication required")


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """An admin; a viewer gets 403."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("authentication required")
    if not user.is_admin:
        raise PermissionDeniedException("this action needs an admin")


def session_info(connection: ASGIConnection[Any, Any, Any, Any]) -> SessionInfo | None:
    """The cookie session of this request, if it came with one."""
    info = connection.scope.get("session_info")
    return info if isinstance(info, SessionInfo) else None


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Refuse a cookie-authenticated write whose CSRF token is missing or wrong.

    Bearer-token requests carry no ambient credentials, so they need no CSRF token.
    """
    info = session_info(request)
    if request.method not in UNSAFE_METHODS or info is None:
        return
    if request.url.path in OWN_CSRF_PATHS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type[0] in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, info.csrf_token):
        raise PermissionDeniedException("CSRF token missing or invalid; reload the page")


def check_path_ids(request: Request[Any, Any, Any]) -> None:
    """404 for an integer path parameter no row can have (ids are PostgreSQL `integer`s)."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFoundError(f"no {name.replace('_', ' ')} {value}", field=name)


async def before_request(request: Request[Any, Any, Any]) -> None:
    """What every request goes through before its handler: CSRF, then id ranges."""
    await check_csrf(request)
    check_path_ids(request)
