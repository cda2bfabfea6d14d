"""Wix's error bodies, the sandbox's error type, and the handlers that render them.

Application errors: `{"message", "details": {"applicationError": {"code", "description",
"data"}}}`; validation errors: `{"message", "details": {"validationError": {"fieldViolations":
[...]}}}`; system errors (5xx) are "sent empty by design": `{"message": "", "details": {}}` [DOC].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from server.sandboxes.common import ErrorKind, ErrorRenderer, ErrorReply
from server.sandboxes.wix.config import WixContractOptions

HTML_5XX = b"<html><head><title>503 Service Unavailable</title></head><body>Oops</body></html>"


class WixSandboxError(Exception):
    """An error the sandbox answers in Wix's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        violations: list[dict[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """An application error (`code`), a validation error (`violations`) or a bare one."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.violations = violations
        self.data = data or {}

    def body(self) -> dict[str, Any]:
        """The JSON body Wix sends for this error."""
        if self.status >= 500:
            return {"message": "", "details": {}}
        if self.violations is not None:
            details: dict[str, Any] = {"validationError": {"fieldViolations": self.violations}}
        elif self.code is not None:
            details = {
                "applicationError": {
                    "code": self.code,
                    "description": self.message,
                    "data": self.data,
                }
            }
        else:
            details = {}
        return {"message": self.message, "details": details}


def invalid(field: str, description: str, rule: str = "INVALID_ARGUMENT") -> WixSandboxError:
    """A 400 validation error naming one field."""
    violation = {"field": field, "description": description, "violatedRule": rule}
    return WixSandboxError(400, description, violations=[violation])


def not_found(what: str, ident: str) -> WixSandboxError:
    """A 404 application error."""
    return WixSandboxError(404, f"{what} {ident} not found", code="NOT_FOUND", data={"id": ident})


def from_validation(error: msgspec.ValidationError) -> WixSandboxError:
    """A msgspec validation error of a request body as Wix's validation error."""
    text = str(error)
    field = text.split(" - at `$.", 1)[1].rstrip("`") if " - at `$." in text else ""
    return invalid(field, text.split(" - at ", 1)[0])


def _json_response(error: WixSandboxError) -> Response[bytes]:
    return Response(
        msgspec.json.encode(error.body()),
        status_code=error.status,
        media_type="application/json",
    )


def make_renderer(options: Callable[[], WixContractOptions]) -> ErrorRenderer:
    """The `ErrorRenderer` for faults and rate limits, reading the live contract options."""

    def render(kind: ErrorKind, status: int, wait: float | None) -> ErrorReply:
        opts = options()
        if kind == "injected_5xx":
            if opts.html_5xx:
                return ErrorReply(status=status, body=HTML_5XX, content_type="text/html")
            return ErrorReply(status=status, body=b'{"message":"","details":{}}')
        error = WixSandboxError(429, "Too many requests", code="RESOURCE_EXHAUSTED")
        headers: dict[str, str] = {}
        if opts.retry_after_on_429 and wait is not None:
            headers["retry-after"] = str(max(1, round(wait)))
        return ErrorReply(status=429, body=msgspec.json.encode(error.body()), headers=headers)

    return render


def exception_handlers() -> ExceptionHandlersMap:
    """Litestar handlers: sandbox errors, routing errors and crashes in Wix's shape."""

    def sandbox_error(_: Request[Any, Any, Any], error: WixSandboxError) -> Response[bytes]:
        return _json_response(error)

    def http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response[bytes]:
        code = "NOT_FOUND" if error.status_code == 404 else "INVALID_ARGUMENT"
        return _json_response(WixSandboxError(error.status_code, str(error.detail), code=code))

    def crash(_: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
        return _json_response(WixSandboxError(500, ""))

    return {WixSandboxError: sandbox_error, HTTPException: http_error, Exception: crash}
