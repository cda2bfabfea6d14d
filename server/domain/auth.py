"""Login sessions and API tokens. Only SHA-256 digests of the secrets are stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import msgspec

from server.domain.db import fetch, fetch_one
from server.domain.users import UserRecord
from server.errors import NotFoundError

API_TOKEN_PREFIX = "sb_"


class SessionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A live session: who is logged in and the CSRF token their forms must carry."""

    user: UserRecord
    csrf_token: str
    expires_at: datetime


class ApiTokenInfo(msgspec.Struct, frozen=True, kw_only=True):
    """An API token as listed to its owner (never the secret itself)."""

    id: int
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


_USER_COLUMNS = "u.id, u.email, u.role, u.active, u.created_at, u.last_login_at"
"""`UserRecord`'s columns, read in the same query as the session or token (one round trip)."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_session(user_id: int, ttl: timedelta) -> tuple[str, str]:
    """Start a session; returns (cookie token, CSRF token). A fresh id every login."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await fetch_one(
        'INSERT INTO user_session (token_hash, "user", csrf_token, created_at, expires_at) '
        "VALUES ({}, {}, {}, now(), {})",
        _digest(token),
        user_id,
        csrf,
        datetime.now(UTC) + ttl,
    )
    return token, csrf


async def purge_expired_sessions() -> int:
    """Delete sessions past their expiry; returns how many."""
    rows = await fetch("DELETE FROM user_session WHERE expires_at < now() RETURNING id")
    return len(rows)


async def get_session(token: str) -> SessionInfo | None:
    """The session behind a cookie token, if it exists, has not expired and its user is active."""
    row = await fetch_one(
        f"SELECT {_USER_COLUMNS}, s.csrf_token, s.expires_at FROM user_session s "
        'JOIN app_user u ON u.id = s."user" AND u.active '
        "WHERE s.token_hash = {} AND s.expires_at > now()",
        _digest(token),
    )
    if row is None:
        return None
    csrf_token, expires_at = row.pop("csrf_token"), row.pop("expires_at")
    user = msgspec.convert(row, UserRecord)
    return SessionInfo(user=user, csrf_token=csrf_token, expires_at=expires_at)


async def end_session(token: str) -> None:
    """Delete a session (logout); unknown tokens are ignored."""
    await fetch_one("DELETE FROM user_session WHERE token_hash = {}", _digest(token))


async def issue_api_token(user_id: int, name: str = "") -> tuple[str, ApiTokenInfo]:
    """Create a Bearer token; the secret is returned once and never stored."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = await fetch_one(
        'INSERT INTO api_token (token_hash, prefix, "user", name, created_at) '
        "VALUES ({}, {}, {}, {}, now()) "
        "RETURNING id, prefix, name, created_at, last_used_at, revoked_at",
        _digest(token),
        token[:10],
        user_id,
        name.strip()[:100],
    )
    return token, msgspec.convert(row, ApiTokenInfo)


async def user_for_api_token(token: str) -> UserRecord | None:
    """The active user owning a live (not revoked) token."""
    row = await fetch_one(
        "UPDATE api_token t SET last_used_at = now() FROM app_user u "
        'WHERE t.token_hash = {} AND t.revoked_at IS NULL AND u.id = t."user" AND u.active '
        f"RETURNING {_USER_COLUMNS}",
        _digest(token),
    )
    return None if row is None else msgspec.convert(row, UserRecord)


async def list_api_tokens(user_id: int) -> list[ApiTokenInfo]:
    """A user's tokens, newest first."""
    rows = await fetch(
        "SELECT id, prefix, name, created_at, last_used_at, revoked_at FROM api_token "
        'WHERE "user" = {} ORDER BY id DESC',
        user_id,
    )
    return [msgspec.convert(row, ApiTokenInfo) for row in rows]


async def revoke_api_token(user_id: int, token_id: int) -> None:
    """Revoke one of the user's tokens; 404 if it is not theirs."""
    row = await fetch_one(
        "UPDATE api_token SET revoked_at = COALESCE(revoked_at, now()) "
        'WHERE id = {} AND "user" = {} RETURNING id',
        token_id,
        user_id,
    )
    if row is None:
        raise NotFoundError(f"no API token {token_id}", field="token_id")
