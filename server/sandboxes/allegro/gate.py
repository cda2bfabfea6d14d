"""What every REST request to the Allegro sandbox passes before its handler does any work.

Order: settle due asynchronous work, then the bearer token (401 `invalid_token`), the `Accept`
header (406), the `User-Agent` (strict mode), and for requests with a body its `Content-Type`
(415). The per-Client-ID budget is charged earlier, by the shared middleware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response

from server.sandboxes.allegro import pending
from server.sandboxes.allegro.errors import (
    AllegroProblem,
    auth_error,
    not_acceptable,
    rest_error,
    unsupported_media_type,
    validation_error,
)
from server.sandboxes.allegro.limits import SellerLimits
from server.sandboxes.allegro.models import Seller
from server.sandboxes.allegro.store import AllegroStore
from server.sandboxes.common import SandboxControl

VENDOR_TYPE = "application/vnd.allegro.public.v1+json"
_USER_AGENT = re.compile(r"^\S+/\S+.*\(\+[^)\s]+\)")
T = TypeVar("T")
_encoder = msgspec.json.Encoder()


@dataclass
class SandboxRuntime:
    """The live sandbox behind an app: state, per-seller limits and the shared control."""

    store: AllegroStore
    limits: SellerLimits
    control: SandboxControl


@dataclass(frozen=True)
class Caller:
    """An authenticated REST caller: the seller the token belongs to and its Client ID."""

    seller: Seller
    client_id: str
    runtime: SandboxRuntime

    @property
    def store(self) -> AllegroStore:
        """The sandbox state."""
        return self.runtime.store


def runtime_of(request: Request[Any, Any, Any]) -> SandboxRuntime:
    """The sandbox runtime stored on the app."""
    runtime: SandboxRuntime = request.app.state.allegro
    return runtime


def public_base(request: Request[Any, Any, Any]) -> str:
    """The sandbox's own base URL: `public_url` if configured, else the request's."""
    configured = runtime_of(request).store.config.public_url
    return (configured or str(request.base_url)).rstrip("/")


def _media_types(header: str) -> list[str]:
    return [part.split(";", 1)[0].strip().lower() for part in header.split(",") if part.strip()]


def _bearer(request: Request[Any, Any, Any]) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise auth_error(
            401, "unauthorized", "Full authentication is required to access this resource"
        )
    return token.strip()


def _seller_for(runtime: SandboxRuntime, token: str, bad_status: int) -> tuple[Seller, str]:
    store = runtime.store
    record = store.access_tokens.get(token)
    if record is None or record.revoked:
        problem = auth_error(401, "invalid_token", "Cannot convert access token to JSON")
    elif record.expires_at <= store.now():
        problem = auth_error(401, "invalid_token", f"Access token expired: {token}")
    else:
        return store.sellers[record.seller_id], record.client_id
    if bad_status == 403:
        raise rest_error(403, "ACCESS_DENIED", "Access is denied")
    raise problem


def check_headers(request: Request[Any, Any, Any], runtime: SandboxRuntime) -> None:
    """406 for a foreign Accept, 403 for a missing User-Agent (strict), 415 for a foreign body."""
    if VENDOR_TYPE not in _media_types(request.headers.get("accept", "")):
        raise not_acceptable()
    if runtime.store.config.require_user_agent and not _USER_AGENT.match(
        request.headers.get("user-agent", "")
    ):
        raise rest_error(
            403,
            "USER_AGENT_REQUIRED",
            "User-Agent header must name the application: AppName/Version (+URL)",
        )
    if request.method in ("PUT", "PATCH", "POST"):
        content_type = _media_types(request.headers.get("content-type", ""))
        if content_type != [VENDOR_TYPE]:
            raise unsupported_media_type()


def authorize(request: Request[Any, Any, Any], *, bad_token_status: int = 401) -> Caller:
    """Settle due work, authenticate the bearer token and check the headers."""
    runtime = runtime_of(request)
    pending.settle(runtime.store)
    seller, client_id = _seller_for(runtime, _bearer(request), bad_token_status)
    check_headers(request, runtime)
    return Caller(seller=seller, client_id=client_id, runtime=runtime)


async def read_body(request: Request[Any, Any, Any], kind: type[T], status: int = 400) -> T:
    """The JSON body as `kind`; malformed or mistyped bodies answer `VALIDATION_ERROR`."""
    raw = await request.body()
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        path = str(error).rpartition("at `$.")[2].rstrip("`") or None
        raise validation_error(status, str(error).split(" - at ")[0], path) from None
    except msgspec.DecodeError:
        raise validation_error(status, "Malformed JSON request body") from None


def int_query(
    request: Request[Any, Any, Any],
    name: str,
    *,
    default: int,
    low: int,
    high: int,
    status: int,
) -> int:
    """An integer query parameter within [low, high]; otherwise an Allegro error with `status`."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(status, f"{name} must be an integer", name) from None
    if not low <= value <= high:
        raise validation_error(status, f"{name} must be between {low} and {high}", name)
    return value


def require(condition: bool, problem: AllegroProblem) -> None:
    """Raise `problem` unless `condition` holds."""
    if not condition:
        raise problem


def reply(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response[bytes]:
    """A success response in the vendor media type [observed #4269]."""
    return Response(
        content=_encoder.encode(body), status_code=status, media_type=VENDOR_TYPE, headers=headers
    )
