"""`/api/auth`: exchange e-mail and password for a Bearer token; list and revoke tokens."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody

from server.api.deps import request_user
from server.api.schemas import TokenOut, TokenRequest
from server.domain import auth
from server.domain.auth import ApiTokenInfo
from server.domain.login_throttle import throttled_authenticate
from server.web.auth import client_address
from server.web.guards import require_user
from server.web.openapi_errors import error_responses


class AuthController(Controller):
    """API tokens. Any user may hold tokens; what they can do follows their role."""

    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/token",
        operation_id="issueToken",
        security=[],
        responses=error_responses(401, 429),
    )
    async def issue_token(
        self, request: Request[Any, Any, Any], data: JSONBody[TokenRequest]
    ) -> TokenOut:
        """Create a token (201); 401 for a wrong e-mail or password. The secret is shown once.

        429 with `Retry-After` after too many failed attempts from one address (see README).
        """
        user = await throttled_authenticate(
            request.app.state.redis, client_address(request), data.email, data.password
        )
        if user is None:
            raise NotAuthorizedException("wrong e-mail or password")
        token, info = await auth.issue_api_token(user.id, data.name)
        return TokenOut(token=token, id=info.id, prefix=info.prefix, name=info.name)

    @get("/tokens", guards=[require_user], operation_id="listTokens")
    async def list_tokens(self, request: Request[Any, Any, Any]) -> list[ApiTokenInfo]:
        """The caller's tokens (never the secrets)."""
        return await auth.list_api_tokens(request_user(request).id)

    @delete("/tokens/{token_id:int}", guards=[require_user], operation_id="revokeToken")
    async def revoke_token(self, request: Request[Any, Any, Any], token_id: FromPath[int]) -> None:
        """Revoke one of the caller's tokens (204); it stops working at once."""
        await auth.revoke_api_token(request_user(request).id, token_id)
