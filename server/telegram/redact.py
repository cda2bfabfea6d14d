"""Strip secrets from text before it leaves for Telegram.

Alert messages carry marketplace error text, which may quote a token, an API key or a client
secret. `redact` masks credential-like `name=value` pairs, `Bearer` values, JWTs, Telegram bot
tokens, long token-like strings and any exact secret it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
_PATTERNS = (
    re.compile(
        r"(?i)\b((?:api[_-]?key|client[_-]?secret|secret|password|passwd|token|access[_-]?token|"
        r"refresh[_-]?token|authorization|auth)\b[\"']?\s*[:=]\s*[\"']?)(?:Bearer\s+)?[^\s,;&\"']+"
    ),
    re.compile(r"(?i)\b(Bearer\s+)[^\s,;\"']+"),
    re.compile(r"()\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*"),
    re.compile(r"()\b\d{5,}:[A-Za-z0-9_-]{30,}\b"),
    re.compile(r"()(?=[A-Za-z0-9_+=-]*\d)(?=[A-Za-z0-9_+=-]*[A-Za-z])[A-Za-z0-9_+=-]{32,}"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and credential-like value replaced by `***`."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text
