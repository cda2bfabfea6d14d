"""Reading posted dashboard forms: plain text fields and whole numbers, with field-named errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.errors import ValidationFailedError

MAX_FIELD_LENGTH = 1000


def form_values(data: Mapping[str, Any], *names: str) -> dict[str, str]:
    """The named fields as trimmed strings (missing ones empty), to re-fill a refused form."""
    values: dict[str, str] = {}
    for name in names:
        raw = data.get(name, "")
        if isinstance(raw, list):
            raw = raw[0] if raw else ""
        values[name] = str(raw).strip()[:MAX_FIELD_LENGTH]
    return values


def required_text(values: Mapping[str, str], name: str, label: str) -> str:
    """A field that must not be empty."""
    value = values.get(name, "")
    if not value:
        raise ValidationFailedError(f"{label} is required", field=name)
    return value


def whole_number(values: Mapping[str, str], name: str, label: str) -> int:
    """A field that must hold a whole number (thousands separators and spaces are allowed)."""
    text = required_text(values, name, label).replace(" ", "").replace(",", "").replace("_", "")
    sign = text[:1] if text[:1] in "+-" else ""
    digits = text[len(sign) :]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        raise ValidationFailedError(f"{label} must be a whole number", field=name)
    return int(sign + digits)
