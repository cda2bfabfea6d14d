"""Rules for values people type: SKUs, EANs, names and free text."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from server.errors import ValidationFailedError

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 20_000
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_ID = 2**31 - 1
"""The largest row id (ids are PostgreSQL `integer`s); a larger one names no row."""


def strip_control_characters(text: str, *, keep_newlines: bool = False) -> str:
    """Remove control and format characters (keeping tabs/newlines in long text if asked)."""
    kept = "\n\t" if keep_newlines else ""
    return "".join(
        ch for ch in text if ch in kept or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def clean_sku(value: str, *, field: str = "sku") -> str:
    """A SKU: up to 64 letters, digits, `.`, `-` or `_`, starting with a letter or digit."""
    sku = value.strip()
    if not SKU_PATTERN.fullmatch(sku):
        raise ValidationFailedError(
            "SKU must be 1-64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field=field,
        )
    return sku


def clean_name(value: str, *, field: str = "name", max_length: int = MAX_NAME_LENGTH) -> str:
    """A non-empty single-line name without control characters."""
    name = " ".join(strip_control_characters(value).split())
    if not name:
        raise ValidationFailedError(f"{field} must not be empty", field=field)
    if len(name) > max_length:
        raise ValidationFailedError(f"{field} is longer than {max_length} characters", field=field)
    return name


def clean_description(value: str) -> str:
    """Free text: control characters removed, newlines kept, length limited."""
    text = strip_control_characters(value, keep_newlines=True).strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailedError(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return text


def ean_check_digit_ok(code: str) -> bool:
    """GS1 check digit for EAN-8, UPC-A (12) and EAN-13."""
    if not code.isdigit() or len(code) not in (8, 12, 13):
        return False
    digits = [int(d) for d in code]
    body, check = digits[:-1], digits[-1]
    weights = [3 if i % 2 == 0 else 1 for i in range(len(body))]
    total = sum(d * w for d, w in zip(reversed(body), weights, strict=True))
    return (10 - total % 10) % 10 == check


def clean_ean(value: str | None) -> str | None:
    """An EAN-8, UPC-A or EAN-13 with a valid check digit; empty means none."""
    if value is None or not value.strip():
        return None
    code = value.strip()
    if not ean_check_digit_ok(code):
        raise ValidationFailedError(
            "EAN must be 8, 12 or 13 digits with a valid check digit", field="ean"
        )
    return code


def clean_email(value: str, *, field: str = "email") -> str:
    """A plausible e-mail address, lower-cased."""
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.fullmatch(email):
        raise ValidationFailedError("not a valid e-mail address", field=field)
    return email


MAX_ATTRIBUTES = 100
MAX_ATTRIBUTE_KEY_LENGTH = 100
MAX_ATTRIBUTE_VALUE_LENGTH = 1000


def _attribute_value(key: str, value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int | float):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        text = " ".join(strip_control_characters(value).split())
        if len(text) > MAX_ATTRIBUTE_VALUE_LENGTH:
            raise ValidationFailedError(
                f"attribute {key!r} is longer than {MAX_ATTRIBUTE_VALUE_LENGTH} characters",
                field="attributes",
            )
        return text
    raise ValidationFailedError(
        f"attribute {key!r} must be text, a number, true/false or null", field="attributes"
    )


def clean_attributes(value: Any) -> dict[str, Any]:
    """A flat object of named values (text, numbers, flags), names and text cleaned."""
    if not isinstance(value, dict):
        raise ValidationFailedError("attributes must be an object", field="attributes")
    if len(value) > MAX_ATTRIBUTES:
        raise ValidationFailedError(
            f"at most {MAX_ATTRIBUTES} attributes are allowed", field="attributes"
        )
    cleaned: dict[str, Any] = {}
    for raw_key, raw_value in value.items():
        key = clean_name(str(raw_key), field="attributes", max_length=MAX_ATTRIBUTE_KEY_LENGTH)
        cleaned[key] = _attribute_value(key, raw_value)
    return cleaned
