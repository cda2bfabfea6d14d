"""Wix's query language over JSON documents: filters, sorting, offset and cursor paging.

Filters are objects (`{"field": {"$op": value}}`, a bare value meaning `$eq`, plus `$and`,
`$or`, `$not`); V1 sends them as JSON *strings*. Dotted paths reach into nested objects and
arrays (any element may match). Comparison operands may arrive wrapped in a one-element array, as
in Wix's own V1 example (`{"lastUpdated": {"$gt": ["2020-..."]}}`), and numbers may arrive as
strings (int64 ids are JSON strings). Cursors are opaque base64url JSON carrying filter, sort and
position; GET requests carry the whole request as base64url JSON in `.r`, as Wix's SDK sends it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from server.sandboxes.wix.errors import invalid

Doc = dict[str, Any]
SortKey = tuple[str, bool]
"""(field path, descending)."""

_LOGICAL = frozenset({"$and", "$or", "$not"})
_OPERATORS = frozenset(
    {"$eq", "$ne", "$in", "$nin", "$hasSome", "$hasAll", "$contains", "$startsWith"}
    | {"$lt", "$lte", "$gt", "$gte", "$exists"}
)


def decode_r(value: str | None) -> Doc:
    """The JSON request carried by a GET's `.r` parameter (base64url, padding optional)."""
    if not value:
        return {}
    try:
        raw = base64.urlsafe_b64decode(value.replace("+", "-").replace("/", "_") + "==")
        decoded = msgspec.json.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise invalid(".r", "cannot decode the .r parameter") from None
    if not isinstance(decoded, dict):
        raise invalid(".r", "the .r parameter must hold a JSON object")
    return decoded


def json_string(value: str | None, field: str) -> Any:
    """A V1 filter or sort string, parsed; bad JSON is a 400 as Wix answers it [DOC]."""
    if value is None or value == "":
        return None
    try:
        return msgspec.json.decode(value)
    except msgspec.DecodeError:
        raise invalid(field, f"{field} is not valid JSON") from None


def filter_fields(filter_: Any) -> set[str]:
    """Every field path a filter names."""
    if not isinstance(filter_, dict):
        return set()
    names: set[str] = set()
    for key, value in filter_.items():
        if key in ("$and", "$or"):
            for part in value if isinstance(value, list) else []:
                names |= filter_fields(part)
        elif key == "$not":
            names |= filter_fields(value)
        else:
            names.add(key)
    return names


def check_filter(filter_: Any, allowed: Iterable[str], strict: bool, field: str) -> Doc:
    """The filter as an object, refusing unsupported fields (400) when `strict`.

    An allowed name ending in `.*` admits every field under that prefix (`options.*`).
    """
    if filter_ is None:
        return {}
    if not isinstance(filter_, dict):
        raise invalid(field, "filter must be an object")
    names = set(allowed)
    prefixes = tuple(name[:-1] for name in names if name.endswith(".*"))
    unknown = {f for f in filter_fields(filter_) - names if not f.startswith(prefixes or ("\0",))}
    if strict and unknown:
        raise invalid(field, f"unsupported filter field(s): {', '.join(sorted(unknown))}")
    return filter_


def _values(doc: Any, path: str) -> list[Any]:
    current: list[Any] = [doc]
    for part in path.split("."):
        found: list[Any] = []
        for item in current:
            if isinstance(item, dict) and part in item:
                value = item[part]
                found.extend(value if isinstance(value, list) else [value])
            elif isinstance(item, list):
                found.extend(i.get(part) for i in item if isinstance(i, dict) and part in i)
        current = found
    return current


def _coerce(a: Any, b: Any) -> tuple[Any, Any]:
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, str) and not isinstance(a, bool):
        return float(a), _float(b)
    if isinstance(b, numbers) and isinstance(a, str) and not isinstance(b, bool):
        return _float(a), float(b)
    return a, b


def _float(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _equal(a: Any, b: Any) -> bool:
    x, y = _coerce(a, b)
    return bool(x == y)


def _compare(value: Any, operand: Any, op: str) -> bool:
    if isinstance(operand, list) and len(operand) == 1:
        operand = operand[0]
    x, y = _coerce(value, operand)
    try:
        if op == "$lt":
            return bool(x < y)
        if op == "$lte":
            return bool(x <= y)
        if op == "$gt":
            return bool(x > y)
        return bool(x >= y)
    except TypeError:
        return False


_SETS: dict[int, tuple[list[Any], frozenset[Any], bool]] = {}


def _exact_set(operands: list[Any]) -> tuple[frozenset[Any], bool]:
    """The hashable operands as a set and whether any is a number (cached per operand list)."""
    cached = _SETS.get(id(operands))
    if cached is not None and cached[0] is operands:
        return cached[1], cached[2]
    if len(_SETS) > 256:
        _SETS.clear()
    found = frozenset(o for o in operands if isinstance(o, str | int | float | bool))
    numbers = any(isinstance(o, int | float) for o in operands)
    _SETS[id(operands)] = (operands, found, numbers)
    return found, numbers


def _any_in(values: list[Any], operands: list[Any]) -> bool:
    """Whether any value equals any operand; exact matches by set lookup, then coerced ones."""
    exact, numbers = _exact_set(operands)
    if any(isinstance(v, str | int | float | bool) and v in exact for v in values):
        return True
    mixed = numbers or any(isinstance(v, int | float) for v in values)
    return mixed and any(_equal(v, o) for v in values for o in operands)


def _as_list(operand: Any) -> list[Any]:
    return operand if isinstance(operand, list) else [operand]


def _text_match(values: list[Any], operand: Any, prefix: bool) -> bool:
    needle = str(operand).lower()
    texts = [str(v).lower() for v in values if isinstance(v, str)]
    return any(t.startswith(needle) if prefix else needle in t for t in texts)


def _apply(values: list[Any], op: str, operand: Any) -> bool:
    if op == "$eq":
        return any(_equal(v, operand) for v in values) or (operand is None and not values)
    if op == "$ne":
        return not _apply(values, "$eq", operand)
    if op in ("$in", "$hasSome"):
        return _any_in(values, _as_list(operand))
    if op == "$nin":
        return not _apply(values, "$in", operand)
    if op == "$hasAll":
        return all(any(_equal(v, o) for v in values) for o in _as_list(operand))
    if op in ("$contains", "$startsWith"):
        return _text_match(values, operand, prefix=op == "$startsWith")
    if op == "$exists":
        return bool(values and any(v is not None for v in values)) == bool(operand)
    return any(_compare(v, operand, op) for v in values)


def matches(doc: Doc, filter_: Doc) -> bool:
    """Whether `doc` satisfies the filter (unknown operators are a 400)."""
    for key, condition in filter_.items():
        if key == "$and":
            ok = all(matches(doc, part) for part in _as_list(condition))
        elif key == "$or":
            ok = any(matches(doc, part) for part in _as_list(condition))
        elif key == "$not":
            ok = not matches(doc, condition)
        else:
            ok = _field_matches(_values(doc, key), key, condition)
        if not ok:
            return False
    return True


def _field_matches(values: list[Any], key: str, condition: Any) -> bool:
    if not (
        isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition)
    ):
        return _apply(values, "$eq", condition)
    for op, operand in condition.items():
        if op not in _OPERATORS:
            raise invalid(key, f"unsupported operator {op}")
        if not _apply(values, op, operand):
            return False
    return True


def parse_sort(raw: Any, allowed: Iterable[str], strict: bool, field: str) -> list[SortKey]:
    """Sort as (path, descending) pairs from `[{"fieldName", "order"}]` or V1 `[{"f": "asc"}]`."""
    keys: list[SortKey] = []
    for entry in raw or []:
        if not isinstance(entry, dict):
            raise invalid(field, "sort entries must be objects")
        if "fieldName" in entry:
            name, order = entry["fieldName"], str(entry.get("order", "ASC"))
        elif len(entry) == 1:
            name, order = next(iter(entry.items()))
        else:
            raise invalid(field, "cannot read sort entry")
        if strict and name not in set(allowed):
            raise invalid(field, f"unsupported sort field {name}")
        keys.append((str(name), str(order).upper() == "DESC"))
    return keys


def sort_value(doc: Doc, path: str) -> tuple[int, Any]:
    """The sort key of `doc` at `path`: missing first, then numbers, then text."""
    if "." in path:
        values = _values(doc, path)
        value = values[0] if values else None
    else:  # the same as `_values` for a top-level field, without splitting the path
        value = doc.get(path)
        if isinstance(value, list):
            value = value[0] if value else None
    if value is None:
        return (0, "")
    if isinstance(value, str):
        number = _float(value)
        return (1, number) if isinstance(number, float) else (2, value)
    return (1, float(value)) if isinstance(value, int | float) else (2, str(value))


def sort_docs(docs: list[Doc], keys: Sequence[SortKey]) -> list[Doc]:
    """Stable multi-key sort, last key first."""
    result = list(docs)
    for path, descending in reversed(keys):
        result.sort(key=lambda d, p=path: sort_value(d, p), reverse=descending)  # type: ignore[misc]
    return result


def encode_cursor(payload: Doc) -> str:
    """An opaque cursor for the next page."""
    return base64.urlsafe_b64encode(msgspec.json.encode(payload)).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> Doc:
    """The payload of a cursor this endpoint issued; anything else is a 400."""
    try:
        payload = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=="))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise invalid("cursorPaging.cursor", "invalid cursor") from None
    if not isinstance(payload, dict) or payload.get("k") != kind:
        raise invalid("cursorPaging.cursor", "cursor belongs to another query")
    return payload
