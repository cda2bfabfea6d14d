"""Allegro's error bodies, as the sandbox answers them (contract §2.1).

REST errors are `{"errors": [{code, message, details, path, userMessage, metadata}]}`; 401s and
OAuth errors are `{"error": ..., "error_description": ...}`. Both are sent as
`application/json;charset=UTF-8` [observed #1080, #10246].
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException

ERROR_MEDIA_TYPE = "application/json;charset=UTF-8"
_encoder = msgspec.json.Encoder()


class AllegroProblem(Exception):
    """Raised anywhere in the sandbox to answer with an Allegro-shaped error."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Keep the status, the JSON body and any extra headers."""
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def error_item(
    code: str,
    message: str,
    *,
    user_message: str | None = None,
    path: str | None = None,
    details: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One element of `errors[]`."""
    return {
        "code": code,
        "message": message,
        "details": details,
        "path": path,
        "userMessage": user_message if user_message is not None else message,
        "metadata": metadata or {},
    }


def rest_error(
    status: int,
    code: str,
    message: str,
    *,
    user_message: str | None = None,
    path: str | None = None,
    headers: dict[str, str] | None = None,
) -> AllegroProblem:
    """An ErrorsHolder error with one item."""
    item = error_item(code, message, user_message=user_message, path=path)
    return AllegroProblem(status, {"errors": [item]}, headers)


def auth_error(status: int, error: str, description: str | None = None) -> AllegroProblem:
    """An OAuth-shaped error (`AuthError`)."""
    body: dict[str, Any] = {"error": error}
    if description is not None:
        body["error_description"] = description
    return AllegroProblem(status, body)


def not_acceptable() -> AllegroProblem:
    """406 for a missing or foreign `Accept` header [#3310]."""
    return rest_error(
        406,
        "NotAcceptableException",
        "Not acceptable representation requested. Please check 'Accept' request header",
    )


def unsupported_media_type() -> AllegroProblem:
    """415 for a body not sent as the vendor media type [#8052]."""
    return rest_error(
        415,
        "NotSupportedException",
        "Unsupported content type. Please check 'Content-Type' request header",
    )


def validation_error(status: int, message: str, path: str | None = None) -> AllegroProblem:
    """400/422 `VALIDATION_ERROR` [#749]."""
    return rest_error(status, "VALIDATION_ERROR", message, path=path)


def problem_response(problem: AllegroProblem) -> Response[bytes]:
    """Render a problem as Allegro does."""
    return Response(
        content=_encoder.encode(problem.body),
        status_code=problem.status,
        media_type=ERROR_MEDIA_TYPE,
        headers=problem.headers,
    )


def handle_problem(_: Request[Any, Any, Any], exc: AllegroProblem) -> Response[bytes]:
    """Litestar exception handler for `AllegroProblem`."""
    return problem_response(exc)


def handle_http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    """Litestar's own 404/405/400s in Allegro's shape (the code names the exception class)."""
    name = type(exc).__name__
    return problem_response(rest_error(exc.status_code, name, str(exc.detail)))


def handle_crash(_: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Anything unexpected: Allegro's 500 body [#9077]."""
    return problem_response(
        rest_error(500, "INTERNAL_SERVER_ERROR", "Internal server error.", path=None)
    )
