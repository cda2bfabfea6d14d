"""Encryption at rest for marketplace credentials, and the masks shown instead of secrets.

Credentials are sealed with Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp) under a key
derived from SECRET_KEY by HKDF-SHA256 with a purpose label, so the key that encrypts credentials
is never SECRET_KEY itself nor the key that signs flash messages. The stored value is an envelope
`{"scheme": ..., "token": ...}`: the scheme names the key derivation, so a later scheme (another
key source, key rotation) can be told apart from this one.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any

import msgspec
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.errors import ConflictError
from server.settings import get_settings

SCHEME = "fernet-hkdf-sha256-v1"
_SALT = b"stockbridge"
_INFO = b"stockbridge/marketplace-credentials/v1"
MASK = "\u2022\u2022\u2022\u2022"
MIN_LENGTH_TO_SHOW_TAIL = 8
"""Shorter values show no characters at all: four of five would give most of it away."""

_ENCODER = msgspec.json.Encoder()


class CredentialsUnreadableError(ConflictError):
    """Stored credentials cannot be decrypted (SECRET_KEY changed, or the row was tampered with)."""

    code = "credentials_unreadable"


def derive_key(secret_key: str) -> bytes:
    """The 32-byte credentials key for a SECRET_KEY (HKDF-SHA256, purpose-labelled)."""
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=_SALT, info=_INFO)
    return hkdf.derive(secret_key.encode())


@functools.cache
def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret_key)))


def _box(secret_key: str | None) -> Fernet:
    return _fernet(secret_key if secret_key is not None else get_settings().secret_key)


def seal(values: Mapping[str, Any], *, secret_key: str | None = None) -> dict[str, str]:
    """Encrypt a JSON-able mapping into the envelope that is stored."""
    token = _box(secret_key).encrypt(_ENCODER.encode(dict(values)))
    return {"scheme": SCHEME, "token": token.decode("ascii")}


def unseal(envelope: Mapping[str, Any] | str, *, secret_key: str | None = None) -> dict[str, Any]:
    """Decrypt a stored envelope (a mapping, or its JSON text as raw queries return it)."""
    if isinstance(envelope, str):
        envelope = msgspec.json.decode(envelope)
    if not isinstance(envelope, Mapping) or envelope.get("scheme") != SCHEME:
        raise CredentialsUnreadableError("the stored credentials are in an unknown format")
    token = envelope.get("token")
    try:
        plain = _box(secret_key).decrypt(str(token).encode("ascii"))
        values = msgspec.json.decode(plain)
    except (InvalidToken, UnicodeEncodeError, msgspec.DecodeError):
        raise CredentialsUnreadableError(
            "the stored credentials cannot be decrypted (was SECRET_KEY changed?); enter them again"
        ) from None
    if not isinstance(values, dict):
        raise CredentialsUnreadableError("the stored credentials are in an unknown format")
    return values


def mask(value: str) -> str:
    """`••••` followed by the last four characters (none at all for short values)."""
    if len(value) < MIN_LENGTH_TO_SHOW_TAIL:
        return MASK
    return MASK + value[-4:]
