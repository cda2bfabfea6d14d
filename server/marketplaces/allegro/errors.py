"""Allegro's errors as exceptions: `AllegroApiError` carries the parsed `errors[]`.

REST errors arrive as `{"errors": [{code, message, details, path, userMessage, metadata}]}`,
401s and OAuth errors as `{"error": ..., "error_description": ...}` (contract §2.1). Allegro puts
the rejected token into some descriptions ("Access token expired: eyJ..."), so token-like strings
are masked before they reach a message, a log or a `sync_item`.
"""

from __future__ import annotations

import re

import httpx
import msgspec

from server.marketplaces.allegro.models import ErrorItem, errors_decoder, oauth_error_decoder
from server.marketplaces.errors import MarketplaceError, RateLimitedError
from server.marketplaces.http import error_context

_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-.~+/=]{20,}")


def mask_tokens(text: str) -> str:
    """Replace anything that looks like a token (20+ token characters) with `***`."""
    return _TOKEN_LIKE.sub("***", text)


class AllegroApiError(MarketplaceError):
    """An Allegro request that failed.

    Attributes:
        errors: The parsed `errors[]` (empty for OAuth-shaped bodies).
        oauth_error: The OAuth `error` value (`invalid_token`, `invalid_grant`, ...), if any.
        location: The response's `Location` header (a finished PATCH operation answers 303).
    """

    def __init__(
        self,
        message: str,
        *,
        errors: list[ErrorItem] | None = None,
        oauth_error: str | None = None,
        location: str | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        """Keep Allegro's parsed body next to the shared error fields."""
        super().__init__(
            message,
            status=status,
            code=code,
            request_id=request_id,
            method=method,
            url=url,
            retryable=retryable,
            retry_after=retry_after,
        )
        self.errors = errors or []
        self.oauth_error = oauth_error
        self.location = location

    @property
    def codes(self) -> list[str]:
        """Every `errors[].code`."""
        return [item.code for item in self.errors]


class AllegroRateLimitedError(AllegroApiError, RateLimitedError):
    """Allegro answered 429 (a per-seller limit, or the Client ID's one-minute block)."""


class AllegroReconnectRequired(AllegroApiError):
    """The stored refresh token no longer works: the seller must connect the account again."""


class AllegroDeviceFlowError(AllegroApiError):
    """The device flow ended without tokens: denied, expired, or an unknown device code."""


class AllegroTimeoutError(AllegroApiError):
    """An asynchronous operation or command did not finish within the allowed time."""


def _body_parts(content: bytes) -> tuple[list[ErrorItem], str | None, str | None]:
    """(`errors[]`, OAuth `error`, OAuth `error_description`) from an error body."""
    try:
        holder = errors_decoder.decode(content)
    except msgspec.MsgspecError:
        holder = None
    if holder is not None and holder.errors:
        return holder.errors, None, None
    try:
        oauth = oauth_error_decoder.decode(content)
    except msgspec.MsgspecError:
        return [], None, None
    return [], oauth.error or None, oauth.error_description


def parse_allegro_error(response: httpx.Response) -> AllegroApiError:
    """Turn any non-2xx Allegro response into an `AllegroApiError` (429: rate-limited subclass)."""
    errors, oauth_error, description = _body_parts(response.content)
    if errors:
        first = errors[0]
        message, code = first.message or first.user_message or first.code, first.code
    elif oauth_error:
        message, code = description or oauth_error, oauth_error
    else:
        message, code = response.reason_phrase or f"HTTP {response.status_code}", None
    kind = AllegroRateLimitedError if response.status_code == 429 else AllegroApiError
    return kind(
        mask_tokens(message),
        code=code,
        errors=errors,
        oauth_error=oauth_error,
        location=response.headers.get("location"),
        **error_context(response),
    )
