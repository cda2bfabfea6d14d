"""Who is asking: an ASGI middleware that resolves the user from a Bearer token or session cookie.

It never refuses a request itself; it fills `scope["user"]` (None when anonymous) and
`scope["auth"]` ("token", "session" or None), and the guards decide. Static files, health,
metrics and marketplace webhooks (signed by the marketplace, never by a session) skip the lookup.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from server.domain.auth import get_session, user_for_api_token

SESSION_COOKIE = "sb_session"
_SKIP_PREFIXES = ("/static/", "/health", "/metrics", "/media/", "/api/webhooks/")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


async def resolve_identity(scope: Scope) -> None:
    """Fill scope["user"], scope["auth"] and, for cookie sessions, scope["session_info"]."""
    scope["user"] = None
    scope["auth"] = None
    authorization = _header(scope, b"authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        scope["auth"] = "token"
        if scheme.lower() == "bearer" and token.strip():
            scope["user"] = await user_for_api_token(token.strip())
        return
    cookie = _cookie(scope, SESSION_COOKIE)
    if cookie is None:
        return
    session = await get_session(cookie)
    if session is not None:
        scope["user"] = session.user
        scope["auth"] = "session"
        scope["session_info"] = session  # type: ignore[typeddict-unknown-key]


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The peer address of a request (forwarding headers are not trusted: anyone can send them)."""
    return connection.client.host if connection.client else "unknown"


def auth_middleware(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so every HTTP request carries its user."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and not str(scope.get("path", "")).startswith(
            _SKIP_PREFIXES
        ):
            await resolve_identity(scope)
        else:
            scope["user"] = None
            scope["auth"] = None
        await app(scope, receive, send)

    return middleware
