"""Public keys a person pastes into an account (a Wix app's webhook key): checked, canonical PEM.

A pasted key may come as a PEM block, with its newlines escaped as `\\n` (as environment files
keep it), or as the bare base64 body. It is stored as the canonical SubjectPublicKeyInfo PEM of
an RSA key of at least 2048 bits (Wix signs webhooks RS256 [contract 5.4]); pages show only its
size and a short fingerprint.
"""

from __future__ import annotations

import hashlib
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from server.errors import ValidationFailedError

PEM_FIELDS = frozenset({"webhook_public_key"})
"""Credential fields that hold a public key (PEM) rather than a header-safe token."""
MAX_PEM_LENGTH = 8192
MIN_RSA_BITS = 2048
_BODY = re.compile(r"^[A-Za-z0-9+/=\s]+$")


def _as_pem(text: str) -> bytes:
    text = text.strip().replace("\\n", "\n")
    if "-----BEGIN" not in text and _BODY.fullmatch(text):
        text = f"-----BEGIN PUBLIC KEY-----\n{text}\n-----END PUBLIC KEY-----"
    return text.encode("ascii", errors="replace")


def load_rsa_public_key(pem: str, *, field: str = "webhook_public_key") -> RSAPublicKey:
    """The RSA key of a PEM text; `ValidationFailedError` naming `field` when it is not one."""
    if len(pem) > MAX_PEM_LENGTH:
        raise ValidationFailedError(
            f"the public key must be at most {MAX_PEM_LENGTH} characters", field=field
        )
    try:
        key = serialization.load_pem_public_key(_as_pem(pem))
    except (ValueError, TypeError):
        raise ValidationFailedError(
            "the public key is not a PEM public key (-----BEGIN PUBLIC KEY-----)", field=field
        ) from None
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise ValidationFailedError(
            f"the public key must be an RSA key of at least {MIN_RSA_BITS} bits", field=field
        )
    return key


def clean_public_key_pem(value: object, *, field: str = "webhook_public_key") -> str:
    """A pasted public key as canonical PEM (or a `ValidationFailedError` naming `field`)."""
    if not isinstance(value, str):
        raise ValidationFailedError("the public key must be text", field=field)
    key = load_rsa_public_key(value, field=field)
    canonical = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return canonical.decode("ascii")


def describe_public_key(pem: str) -> str:
    """What a page may show of a stored key: its size and a short SHA-256 fingerprint."""
    try:
        key = load_rsa_public_key(pem)
    except ValidationFailedError:
        return "unreadable key"
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"RSA {key.key_size}, sha256:{hashlib.sha256(der).hexdigest()[:16]}"
