"""Small helpers shared by API controllers."""

from __future__ import annotations

from typing import Any

from litestar import Request

from server.domain.refs import Actor
from server.domain.users import UserRecord
from server.errors import AuthenticationError


def request_user(request: Request[Any, Any, Any]) -> UserRecord:
    """The authenticated user (guards have already checked there is one)."""
    user = request.scope.get("user")
    if not isinstance(user, UserRecord):
        raise AuthenticationError("authentication required")
    return user


def api_actor(request: Request[Any, Any, Any]) -> Actor:
    """The actor recorded on operations made through the API."""
    return Actor(email=request_user(request).email, source="api")
