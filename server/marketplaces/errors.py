"""Typed errors raised by the shared marketplace HTTP layer.

`MarketplaceError` carries what a caller, a log line or a `sync_item` needs: the HTTP status, the
marketplace's error code and message, its request/trace id, the method and the URL (query values
that look like credentials are masked), and whether a later attempt may succeed. Each marketplace
client subclasses it (`WixApiError`, `AllegroApiError`) to add its parsed error body, in a
parser built on `error_context`; `default_error_parser` is the generic reading.
"""

from __future__ import annotations

from typing import Any, TypedDict

import httpx
import msgspec

from server.marketplaces.logging import mask_secrets, redact_url, request_id_from
from server.marketplaces.retry import RETRYABLE_STATUSES, parse_retry_after


class ErrorContext(TypedDict):
    """The fields every error takes from a response; see `error_context`."""

    status: int | None
    request_id: str | None
    method: str | None
    url: str | None
    retryable: bool
    retry_after: float | None


class MarketplaceError(Exception):
    """A marketplace request that did not succeed.

    Attributes:
        message: What went wrong, as the marketplace said it (or as we observed it).
        status: The HTTP status, or None when no response arrived.
        code: The marketplace's error code (e.g. Allegro `VALIDATION_ERROR`), if any.
        request_id: The marketplace's request or trace id, for its support desk.
        method: The HTTP method.
        url: The URL with credential-like query values masked.
        retryable: True when the same request may succeed later (429, 5xx, transport errors).
        retry_after: Seconds the marketplace asked us to wait (`Retry-After`), if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.url = url
        self.retryable = retryable
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.code:
            parts.append(f"code={self.code}")
        if self.method and self.url:
            parts.append(f"{self.method} {self.url}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)


class TransportError(MarketplaceError):
    """No usable response: connection refused or dropped, DNS failure, or a timeout."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        retryable: bool = True,
    ) -> None:
        super().__init__(message, method=method, url=url, retryable=retryable)


class RateLimitedError(MarketplaceError):
    """The marketplace answered 429; `retry_after` is its `Retry-After`, if it sent one.

    A marketplace client that wants its own type for 429 inherits from both, e.g.
    `class WixRateLimitedError(WixApiError, RateLimitedError)`, so callers can catch either.
    """


def error_context(response: httpx.Response) -> ErrorContext:
    """Fields every error takes from a response; parsers call `Error(msg, **error_context(r))`."""
    return ErrorContext(
        status=response.status_code,
        request_id=request_id_from(response.headers),
        method=response.request.method,
        url=redact_url(response.request.url),
        retryable=response.status_code in RETRYABLE_STATUSES,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def _first_error(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {}
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return body


def default_error_parser(response: httpx.Response) -> MarketplaceError:
    """A generic reading of an error body (`message`/`code`, `errors[0]`, OAuth `error`)."""
    try:
        entry = _first_error(msgspec.json.decode(response.content))
    except msgspec.DecodeError:
        entry = {}
    message = entry.get("message") or entry.get("error_description") or entry.get("error")
    code = entry.get("code") or entry.get("error")
    text = mask_secrets(
        str(message) if message else (response.text[:300] or response.reason_phrase)
    )
    kind = RateLimitedError if response.status_code == 429 else MarketplaceError
    return kind(text, code=str(code) if code else None, **error_context(response))
