"""Users and passwords: admins change things, viewers only look. Passwords are argon2id hashes."""

from __future__ import annotations

import enum
from datetime import datetime

import asyncpg
import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.domain.db import fetch_one
from server.domain.validation import clean_email
from server.errors import ConflictError, ValidationFailedError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has")


class Role(enum.StrEnum):
    """What a user may do."""

    ADMIN = "admin"
    VIEWER = "viewer"


class UserRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A user, without the password hash."""

    id: int
    email: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the user may change things."""
        return self.role is Role.ADMIN


_COLUMNS = "id, email, role, active, created_at, last_login_at"


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailedError(
            f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field="password",
        )


async def create_user(email: str, password: str, role: Role | str = Role.VIEWER) -> UserRecord:
    """Create a user; 409 if the e-mail is taken."""
    email = clean_email(email)
    _check_password(password)
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailedError("role must be admin or viewer", field="role") from None
    try:
        row = await fetch_one(
            f"INSERT INTO app_user (email, password_hash, role, active, created_at) "
            f"VALUES ({{}}, {{}}, {{}}, true, now()) RETURNING {_COLUMNS}",
            email,
            _hasher.hash(password),
            role.value,
        )
    except asyncpg.UniqueViolationError:
        raise ConflictError(f"a user with e-mail {email} exists", field="email") from None
    return msgspec.convert(row, UserRecord)


async def set_password(email: str, password: str) -> None:
    """Replace a user's password (used by the CLI to reset the demo admin)."""
    _check_password(password)
    await fetch_one(
        "UPDATE app_user SET password_hash = {} WHERE email = {}",
        _hasher.hash(password),
        clean_email(email),
    )


async def get_user(user_id: int) -> UserRecord | None:
    """An active user by id."""
    row = await fetch_one(f"SELECT {_COLUMNS} FROM app_user WHERE id = {{}} AND active", user_id)
    return None if row is None else msgspec.convert(row, UserRecord)


async def authenticate(email: str, password: str) -> UserRecord | None:
    """The active user with this e-mail and password, or None; timing does not reveal which."""
    row = await fetch_one(
        f"SELECT {_COLUMNS}, password_hash FROM app_user WHERE email = {{}} AND active",
        email.strip().lower(),
    )
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        await fetch_one(
            "UPDATE app_user SET password_hash = {} WHERE id = {}",
            _hasher.hash(password),
            row["id"],
        )
    await fetch_one("UPDATE app_user SET last_login_at = now() WHERE id = {}", row["id"])
    del row["password_hash"]
    return msgspec.convert(row, UserRecord)
