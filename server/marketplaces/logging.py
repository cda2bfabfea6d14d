"""What the marketplace HTTP layer writes down, and what it must never write.

One structured line per attempt: marketplace, account label, method, path, status, elapsed
milliseconds, attempt number and the marketplace's request/trace id, both in the message (logfmt,
for people) and as `LogRecord` attributes (`extra`, for log shippers). Headers, bodies and query
strings are never logged, so tokens, API keys and client secrets cannot leak; URLs kept on errors
pass through `redact_url`, which masks credential-like query values and drops user info.

httpx itself logs every request's full URL at INFO on the `httpx` logger (Allegro's token endpoint
takes its refresh token and device code in the query), so `protect_httpx_logs` adds a filter that
redacts those URLs; the client factory installs it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import httpx

logger = logging.getLogger("server.marketplaces.http")

REQUEST_ID_HEADERS = ("x-wix-request-id", "trace-id", "x-trace-id", "x-request-id", "request-id")
"""Response headers naming the marketplace's request id, most specific first (Wix, then Allegro)."""

_SECRET_PARAM = re.compile(r"token|secret|key|password|passwd|code|signature|auth|credential", re.I)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_BEARER_OR_JWT = re.compile(
    r"(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]+|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?"
)
MASK = "***"


def mask_secrets(text: str) -> str:
    """Replace bearer/basic credentials and JWTs in free text (error messages) with `***`."""
    return _BEARER_OR_JWT.sub(MASK, text)


def redact_url(url: httpx.URL | str) -> str:
    """The URL without user info and with credential-like query values replaced by `***`."""
    parsed = httpx.URL(url)
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    if not parsed.query:
        return str(parsed)
    pairs: list[tuple[str, str | int | float | bool | None]] = [
        (name, MASK if _SECRET_PARAM.search(name) else value)
        for name, value in parsed.params.multi_items()
    ]
    return str(parsed.copy_with(params=httpx.QueryParams(pairs)))


class RedactUrlsFilter(logging.Filter):
    """Rewrites URL arguments of log records through `redact_url` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; always keep the record."""
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                redact_url(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


def protect_httpx_logs() -> None:
    """Make httpx's own request log redact credential-like query values (idempotent)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactUrlsFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(RedactUrlsFilter())


def request_id_from(headers: httpx.Headers) -> str | None:
    """The marketplace's request/trace id from response headers, if it sent one."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def _looks_like_id(segment: str) -> bool:
    if segment.isdigit() or _UUID.match(segment):
        return True
    return len(segment) >= 16 and any(char.isdigit() for char in segment)


def route_of(path: str) -> str:
    """A path template for counting: numeric, UUID and long id-like segments become `{id}`.

    `/sale/product-offers/16885969603` → `/sale/product-offers/{id}`; `/stores/v3/products`
    is unchanged.
    """
    bare = path.split("?", 1)[0]
    return "/".join("{id}" if _looks_like_id(part) else part for part in bare.split("/"))


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt as logged: no headers, no body, no query string."""

    marketplace: str
    account: str
    method: str
    path: str
    route: str
    status: int | None
    elapsed_ms: float
    attempt: int
    attempts: int
    request_id: str | None
    outcome: str


def log_attempt(record: AttemptRecord, *, level: int = logging.INFO) -> None:
    """Write one logfmt line for an attempt; fields are also set on the `LogRecord`."""
    logger.log(
        level,
        "marketplace=%s account=%s method=%s path=%s status=%s elapsed_ms=%.1f attempt=%d/%d "
        "request_id=%s outcome=%s",
        record.marketplace,
        record.account,
        record.method,
        record.path,
        "-" if record.status is None else record.status,
        record.elapsed_ms,
        record.attempt,
        record.attempts,
        record.request_id or "-",
        record.outcome,
        extra={
            "marketplace": record.marketplace,
            "account_label": record.account,
            "http_method": record.method,
            "http_path": record.path,
            "http_route": record.route,
            "http_status": record.status,
            "elapsed_ms": record.elapsed_ms,
            "attempt": record.attempt,
            "request_id": record.request_id,
            "outcome": record.outcome,
        },
    )
