"""Turning exceptions into answers: JSON for the API, pages (or a login redirect) for people.

Every JSON error has the same shape: `{"status", "code", "detail", "field", "errors": [{"field",
"message"}]}`, so a client always learns which field was wrong and why. Unexpected errors are logged
with a reference and answered without internals.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.domain.login_throttle import LoginThrottledError
from server.errors import DomainError
from server.web.guards import session_info

logger = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/api", "/health", "/schema", "/metrics", "/warehouse/sync-wix")
"""Paths that answer JSON errors (the seed's Wix sync endpoints are API routes too)."""


class FieldError(msgspec.Struct):
    """One field and what is wrong with it."""

    field: str | None
    message: str


class ErrorBody(msgspec.Struct):
    """The JSON body of every error answer."""

    status: int
    code: str
    detail: str
    field: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """API paths answer JSON; dashboard paths answer pages."""
    return request.url.path.startswith(JSON_PREFIXES)


_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def _field_of(key: object, message: str) -> str | None:
    """The field a decoding error is about: a whole-body error names it inside its message."""
    named = _NAMED_FIELD.search(message)
    if named:
        return named.group(1)
    return str(key) if key else None


def _validation_errors(exc: ValidationException) -> list[FieldError]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = []
    for item in extra:
        if isinstance(item, dict):
            message = str(item.get("message", "invalid value"))
            errors.append(FieldError(field=_field_of(item.get("key"), message), message=message))
    return errors


def _body_for(exc: Exception) -> ErrorBody:
    if isinstance(exc, DomainError):
        return ErrorBody(
            status=exc.status_code,
            code=exc.code,
            detail=exc.message,
            field=exc.field,
            errors=[FieldError(field=exc.field, message=exc.message)],
        )
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        field = errors[0].field if errors else None
        detail = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
        return ErrorBody(
            status=400,
            code="invalid_request",
            detail=detail or str(exc.detail),
            field=field,
            errors=errors,
        )
    if isinstance(exc, HTTPException):
        code = {
            400: "invalid_request",
            401: "not_authenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        return ErrorBody(status=exc.status_code, code=code, detail=str(exc.detail))
    reference = secrets.token_hex(4)
    logger.exception("unhandled error, reference %s", reference, exc_info=exc)
    return ErrorBody(
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="internal_error",
        detail=f"internal error (reference {reference})",
    )


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The one exception handler of the app."""
    body = _body_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if body.status == 401 else None
    if isinstance(exc, LoginThrottledError):
        headers = {"Retry-After": str(exc.retry_after)}
    if wants_json(request):
        return Response(
            content=body, status_code=body.status, media_type=MediaType.JSON, headers=headers
        )
    if isinstance(exc, NotAuthorizedException):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?next={quote(target)}")
    return Template(
        template_name="error.html",
        context={
            "error": body,
            "user": request.scope.get("user"),
            "csrf_token": info.csrf_token if (info := session_info(request)) else None,
        },
        status_code=body.status,
    )
