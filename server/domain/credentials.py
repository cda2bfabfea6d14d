"""Marketplace credentials: their shape per marketplace, the rules for typed values, masks, and
the store the marketplace clients read and write (`load_credentials` / `save_credentials`).

Only the encrypted envelope (`server.domain.crypto`) reaches the database. Values must be visible
ASCII without spaces: they travel in HTTP headers, where a newline would be a header injection.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from server.domain.crypto import CredentialsUnreadableError, mask, seal, unseal
from server.domain.db import engine, fetch_one
from server.domain.public_keys import PEM_FIELDS, clean_public_key_pem, describe_public_key
from server.errors import NotFoundError, ValidationFailedError

logger = logging.getLogger(__name__)


class Marketplace(enum.StrEnum):
    """The marketplaces StockBridge can push stock to."""

    WIX = "wix"
    ALLEGRO = "allegro"


class WixCredentials(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A Wix site owner's API key, site id (`wix-site-id`) and account id; optionally the PEM
    public key of the Wix app whose webhooks the account accepts (none: webhooks refused)."""

    api_key: str
    site_id: str
    account_id: str
    webhook_public_key: str | None = None


class AllegroCredentials(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An Allegro app's client id and secret, and the seller's tokens once the OAuth flow ran."""

    client_id: str
    client_secret: str
    access_token: str | None = None
    refresh_token: str | None = None
    access_token_expires_at: datetime | None = None
    scope: str | None = None


Credentials = WixCredentials | AllegroCredentials

INPUT_FIELDS: dict[Marketplace, tuple[str, ...]] = {
    Marketplace.WIX: ("api_key", "site_id", "account_id"),
    Marketplace.ALLEGRO: ("client_id", "client_secret"),
}
"""What a person types for each marketplace; Allegro tokens come only from the OAuth flow."""
OPTIONAL_FIELDS = {Marketplace.WIX: ("webhook_public_key",), Marketplace.ALLEGRO: ()}
"""What a person may type too; a blank value clears it."""

FIELD_LABELS = {
    "api_key": "API key",
    "site_id": "Site ID",
    "account_id": "Account ID",
    "client_id": "Client ID",
    "client_secret": "Client secret",
    "access_token": "Access token",
    "refresh_token": "Refresh token",
    "access_token_expires_at": "Access token expires",
    "scope": "Token scope",
    "webhook_public_key": "Webhook public key (PEM)",
}
SHOWN_IN_FULL = frozenset({"scope"})
"""Values that are not secret (the scopes a seller granted)."""
_LENGTHS = {
    "api_key": (8, 4096),
    "site_id": (1, 100),
    "account_id": (1, 100),
    "client_id": (1, 200),
    "client_secret": (1, 500),
}
_TOKEN_LENGTHS = (1, 8192)
_VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]+$")
_TYPES: dict[Marketplace, type[WixCredentials] | type[AllegroCredentials]] = {
    Marketplace.WIX: WixCredentials,
    Marketplace.ALLEGRO: AllegroCredentials,
}


def clean_marketplace(value: str, *, field: str = "marketplace") -> Marketplace:
    """A known marketplace name (`wix` or `allegro`)."""
    try:
        return Marketplace(value.strip().lower())
    except ValueError:
        known = ", ".join(m.value for m in Marketplace)
        raise ValidationFailedError(f"marketplace must be one of: {known}", field=field) from None


def marketplace_of(credentials: Credentials) -> Marketplace:
    """The marketplace a credentials value is for."""
    return Marketplace.WIX if isinstance(credentials, WixCredentials) else Marketplace.ALLEGRO


def _check_value(name: str, value: object) -> str:
    """One credential value: a non-empty string of visible ASCII within its length limits."""
    field = f"credentials.{name}"
    label = FIELD_LABELS.get(name, name)
    if value is not None and not isinstance(value, str):
        raise ValidationFailedError(f"{label} must be text", field=field)
    if value is None or not value.strip():
        raise ValidationFailedError(f"{label} is required", field=field)
    text = value.strip()
    low, high = _LENGTHS.get(name, _TOKEN_LENGTHS)
    if not low <= len(text) <= high:
        raise ValidationFailedError(f"{label} must be {low}-{high} characters long", field=field)
    if not _VISIBLE_ASCII.fullmatch(text):
        raise ValidationFailedError(
            f"{label} may hold only visible ASCII characters, without spaces", field=field
        )
    return text


def _check_any(name: str, value: object) -> str:
    """A value checked by its field's rule: a public key's, or a header-safe token's."""
    if name in PEM_FIELDS:
        return clean_public_key_pem(value, field=f"credentials.{name}")
    return _check_value(name, value)


def _check_optional(name: str, value: object) -> str | None:
    """An optional value: None when blank, else checked by its own rule."""
    blank = value is None or (isinstance(value, str) and not value.strip())
    return None if blank else _check_any(name, value)


def clean_credentials(marketplace: Marketplace, raw: Mapping[str, object]) -> Credentials:
    """Credentials typed by a person or an API client, checked field by field."""
    required = INPUT_FIELDS[marketplace]
    optional = OPTIONAL_FIELDS[marketplace]
    allowed = required + optional
    for name in raw:
        if name not in allowed:
            raise ValidationFailedError(
                f"{name!r} is not a {marketplace.value} credential "
                f"(expected: {', '.join(allowed)})",
                field=f"credentials.{name}",
            )
    values: dict[str, str | None] = {name: _check_value(name, raw.get(name)) for name in required}
    values |= {name: _check_optional(name, raw.get(name)) for name in optional}
    return msgspec.convert(values, _TYPES[marketplace])


def merge_credentials(
    marketplace: Marketplace, current: Credentials | None, changes: Mapping[str, object]
) -> Credentials:
    """Rotate some values and keep the rest. A new Allegro client id drops the old tokens."""
    names = INPUT_FIELDS[marketplace] + OPTIONAL_FIELDS[marketplace]
    kept = {} if current is None else {name: getattr(current, name) for name in names}
    merged = clean_credentials(marketplace, {**kept, **changes})
    if (
        isinstance(current, AllegroCredentials)
        and isinstance(merged, AllegroCredentials)
        and current.client_id == merged.client_id
    ):
        merged = msgspec.structs.replace(
            merged,
            access_token=current.access_token,
            refresh_token=current.refresh_token,
            access_token_expires_at=current.access_token_expires_at,
            scope=current.scope,
        )
    return merged


def check_credentials(credentials: Credentials) -> None:
    """Every value of a credentials struct follows the rules (tokens included)."""
    for name in credentials.__struct_fields__:
        value = getattr(credentials, name)
        if name in SHOWN_IN_FULL:
            continue
        if isinstance(value, str) and _check_any(name, value) != value:
            raise ValidationFailedError(
                f"{FIELD_LABELS.get(name, name)} must be stored as checked (no spaces around it)",
                field=f"credentials.{name}",
            )


def masked(credentials: Credentials) -> dict[str, str]:
    """What may be shown: `••••` and the last four characters of each value that is set."""
    shown: dict[str, str] = {}
    for name in credentials.__struct_fields__:
        value = getattr(credentials, name)
        if isinstance(value, str) and name in PEM_FIELDS:
            shown[name] = describe_public_key(value)
        elif isinstance(value, str):
            shown[name] = value if name in SHOWN_IN_FULL else mask(value)
        elif isinstance(value, datetime):
            shown[name] = value.isoformat()
    return shown


def seal_credentials(credentials: Credentials) -> dict[str, str]:
    """The encrypted envelope to store for checked credentials."""
    check_credentials(credentials)
    return seal(msgspec.to_builtins(credentials))


def open_credentials(marketplace: Marketplace, envelope: Mapping[str, Any] | str) -> Credentials:
    """Decrypt a stored envelope into the marketplace's credentials type."""
    values = unseal(envelope)
    try:
        return msgspec.convert(values, _TYPES[marketplace])
    except msgspec.ValidationError:
        raise CredentialsUnreadableError(
            f"the stored credentials do not fit a {marketplace.value} account; enter them again"
        ) from None


async def load_credentials(account_id: int) -> Credentials:
    """An account's decrypted credentials, for the marketplace clients (never for display)."""
    row = await fetch_one(
        "SELECT marketplace, credentials FROM marketplace_account WHERE id = {}", account_id
    )
    if row is None:
        raise NotFoundError(f"no marketplace account with id {account_id}", field="account_id")
    return open_credentials(Marketplace(row["marketplace"]), row["credentials"])


async def save_credentials(account_id: int, credentials: Credentials) -> None:
    """Replace an account's credentials in one atomic UPDATE (e.g. after a token refresh).

    The row holds either the old or the new credentials, never a mix, whatever happens in between.
    """
    marketplace = marketplace_of(credentials)
    envelope = msgspec.json.encode(seal_credentials(credentials)).decode()
    row = await fetch_one(
        "UPDATE marketplace_account SET credentials = {}::jsonb, credentials_updated_at = now(), "
        "updated_at = now() WHERE id = {} AND marketplace = {} RETURNING id",
        envelope,
        account_id,
        marketplace.value,
    )
    if row is not None:
        logger.info("credentials of marketplace account %d saved", account_id)
        return
    other = await fetch_one("SELECT marketplace FROM marketplace_account WHERE id = {}", account_id)
    if other is None:
        raise NotFoundError(f"no marketplace account with id {account_id}", field="account_id")
    raise ValidationFailedError(
        f"{marketplace.value} credentials do not fit a {other['marketplace']} account",
        field="credentials",
    )


async def save_allegro_tokens(
    account_id: int,
    *,
    access_token: str,
    refresh_token: str,
    expires_at: datetime,
    scope: str | None = None,
) -> None:
    """Store a new Allegro token pair, keeping the account's client id and secret.

    One transaction locks the row, reads the client credentials and rewrites the envelope, so a
    credentials edit made meanwhile is neither lost nor undone; the row holds the old pair or the
    new one, never a mix. Token rotation is not an edit: `credentials_updated_at` stays.
    """
    async with engine().transaction():
        row = await fetch_one(
            "SELECT marketplace, credentials FROM marketplace_account WHERE id = {} FOR UPDATE",
            account_id,
        )
        if row is None:
            raise NotFoundError(f"no marketplace account with id {account_id}", field="account_id")
        if row["marketplace"] != Marketplace.ALLEGRO.value:
            raise ValidationFailedError(
                f"account {account_id} is not an Allegro account", field="credentials"
            )
        current = open_credentials(Marketplace.ALLEGRO, row["credentials"])
        assert isinstance(current, AllegroCredentials)
        updated = msgspec.structs.replace(
            current,
            access_token=access_token,
            refresh_token=refresh_token,
            access_token_expires_at=expires_at,
            scope=scope,
        )
        envelope = msgspec.json.encode(seal_credentials(updated)).decode()
        await fetch_one(
            "UPDATE marketplace_account SET credentials = {}::jsonb WHERE id = {}",
            envelope,
            account_id,
        )
    logger.info("Allegro tokens of marketplace account %d saved", account_id)
