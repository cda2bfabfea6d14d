"""Operation rows as people read them: signed deltas and "Field: Old → New" lines for edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from server.domain.operations import OperationRecord

FIELD_LABELS = {
    "sku": "SKU",
    "ean": "EAN",
    "is_sync_enabled": "Sync",
    "quantity": "Quantity",
    "name": "Name",
    "description": "Description",
    "image": "Image",
    "attributes": "Attributes",
}
QUOTED_FIELDS = frozenset({"name", "description"})
"""Free text is shown in quotes, so spaces at its ends and empty values are visible."""
REVERTIBLE_TYPES = frozenset({"PRODUCT_EDIT", "RECEIPT", "SALE", "ADJUSTMENT", "TRANSFER"})
MAX_VALUE_LENGTH = 80


@dataclass(frozen=True)
class FieldChange:
    """One field of an operation: changed (old and new), set (new only) or removed (old only)."""

    label: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class HistoryRow:
    """One operation with what the table shows for it."""

    op: OperationRecord
    delta_text: str
    delta_class: str
    changes: list[FieldChange]

    @property
    def can_revert(self) -> bool:
        """Whether a Revert button belongs on this row (the server checks again)."""
        return self.op.type in REVERTIBLE_TYPES and self.op.reverted_by_operation_id is None


def field_label(name: str) -> str:
    """A readable label for a stored field name."""
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def show_value(value: Any, *, quoted: bool = False) -> str:
    """A stored value as short text: "—" for none, yes/no for flags, JSON for objects."""
    if value is None or (value == "" and not quoted):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        text = msgspec.json.encode(value).decode()
    else:
        text = value if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    if len(text) > MAX_VALUE_LENGTH:
        text = text[: MAX_VALUE_LENGTH - 1] + "…"
    return f'"{text}"' if quoted else text


def _shown(name: str, value: Any) -> str:
    return show_value(value, quoted=name in QUOTED_FIELDS)


def _recorded(values: dict[str, Any] | None) -> dict[str, Any]:
    """The values worth a line: not empty, and not the SKU (the row shows it already)."""
    return {k: v for k, v in (values or {}).items() if k != "sku" and v not in (None, "", {}, [])}


def field_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[FieldChange]:
    """One line per changed field; for a create (new only) or delete (old only), its values."""
    if old is None and new is None:
        return []
    if old is None:
        return [FieldChange(field_label(k), None, _shown(k, v)) for k, v in _recorded(new).items()]
    if new is None:
        return [FieldChange(field_label(k), _shown(k, v), None) for k, v in _recorded(old).items()]
    changes = []
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if before != after:
            label = field_label(name)
            changes.append(FieldChange(label, _shown(name, before), _shown(name, after)))
    return changes


def signed_delta(delta: int) -> tuple[str, str]:
    """The delta as "+5", "0" or a true minus sign (U+2212) and "3", and its CSS class."""
    if delta > 0:
        return f"+{delta:,}", "pos"
    if delta < 0:
        return f"\u2212{-delta:,}", "neg"
    return "0", "zero"


def history_rows(records: list[OperationRecord]) -> list[HistoryRow]:
    """Display rows for operation records, newest first as given."""
    rows = []
    for op in records:
        text, css = signed_delta(op.quantity_delta)
        if op.quantity_delta == 0 and op.quantity_after is None:
            text, css = "—", "zero"
        rows.append(HistoryRow(op, text, css, field_changes(op.old_values, op.new_values)))
    return rows
