"""Wix's errors: `WixApiError` parsed from Wix's error bodies, and `WixInputError` for our inputs.

Wix answers `{"message", "details": {"applicationError": {"code", "description", "data"}}}` or
`{"message", "details": {"validationError": {"fieldViolations": [...]}}}`; 5xx bodies are empty
by design and some gateways answer an HTML page [DOC, WIX-REPO], so nothing here assumes JSON.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from server.marketplaces.errors import MarketplaceError, RateLimitedError
from server.marketplaces.http import error_context


class WixApiError(MarketplaceError):
    """A Wix request that failed: status, Wix's code and message, request id, and details.

    Attributes:
        details: Wix's `details` object (`applicationError` or `validationError`), if any.
        violations: The `fieldViolations` of a validation error (empty otherwise).
    """

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        violations: list[dict[str, Any]] | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message, **context)
        self.details = details or {}
        self.violations = violations or []

    @classmethod
    def wrap(cls, error: MarketplaceError) -> WixApiError:
        """A `WixApiError` carrying another marketplace error's fields (e.g. a transport error)."""
        if isinstance(error, WixApiError):
            return error
        kind = WixRateLimitedError if isinstance(error, RateLimitedError) else cls
        wrapped = kind(
            error.message,
            status=error.status,
            code=error.code,
            request_id=error.request_id,
            method=error.method,
            url=error.url,
            retryable=error.retryable,
            retry_after=error.retry_after,
        )
        wrapped.__cause__ = error
        return wrapped


class WixRateLimitedError(WixApiError, RateLimitedError):
    """Wix answered 429 (200 requests a minute per site [DOC])."""


class WixInputError(ValueError):
    """Our own input is invalid for Wix (nothing was sent)."""


def _decode(content: bytes) -> dict[str, Any]:
    try:
        body = msgspec.json.decode(content)
    except msgspec.DecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def parse_wix_error(response: httpx.Response) -> WixApiError:
    """The `WixApiError` for a non-2xx Wix response (JSON, empty or HTML body)."""
    body = _decode(response.content)
    raw_details = body.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    application = details.get("applicationError") or {}
    violations = (details.get("validationError") or {}).get("fieldViolations") or []
    code = application.get("code") if isinstance(application, dict) else None
    if code is None and violations:
        first = violations[0]
        code = first.get("ruleName") or first.get("violatedRule") or "INVALID_ARGUMENT"
    message = str(body.get("message") or "")
    if not message and isinstance(application, dict):
        message = str(application.get("description") or "")
    if not message and violations:
        message = "; ".join(f"{v.get('field')}: {v.get('description')}" for v in violations)
    if not message:
        message = f"Wix answered {response.status_code} {response.reason_phrase}".strip()
    kind = WixRateLimitedError if response.status_code == 429 else WixApiError
    return kind(
        message,
        code=str(code) if code else None,
        details=details,
        violations=list(violations),
        **error_context(response),
    )
