"""Orders that could not be applied: counted failures, quarantine, and merged (404) forms.

An importer that fails to read or apply an order records the failure and stops where it is (its
cursor stays before the order), so the next run tries again. After `MAX_ORDER_FAILURES` the order
is QUARANTINED and alerted: the importer moves past it, and it is retried only on request or by
the safety-net pass. Nothing is skipped silently.
"""

from __future__ import annotations

from server.domain.alerts import Alert, raise_alert
from server.domain.db import fetch_one

MAX_ORDER_FAILURES = 5


async def record_order_failure(account_id: int, external_id: str, error: str) -> bool:
    """Count one failure of an order; True when it is now quarantined (and alerted)."""
    row = await fetch_one(
        "INSERT INTO order_import (account, external_id, status, state, failures, last_error, "
        "created_at, updated_at) VALUES ({}, {}, '', 'OPEN', 1, {}, now(), now()) "
        "ON CONFLICT (account, external_id) DO UPDATE SET failures = order_import.failures + 1, "
        "last_error = EXCLUDED.last_error, updated_at = now() "
        "RETURNING id, failures, state",
        account_id,
        external_id,
        error[:2000],
    )
    assert row is not None
    if int(row["failures"]) < MAX_ORDER_FAILURES or row["state"] == "QUARANTINED":
        return bool(row["state"] == "QUARANTINED")
    await fetch_one(
        "UPDATE order_import SET state = 'QUARANTINED', updated_at = now() WHERE id = {} "
        "RETURNING id",
        row["id"],
    )
    await raise_alert(
        Alert(
            kind="order_quarantined",
            key=f"order:{account_id}:{external_id}",
            message=f"order {external_id} failed {row['failures']} times and is quarantined: "
            f"{error}",
            account_id=account_id,
        )
    )
    return True


async def is_quarantined(account_id: int, external_id: str) -> bool:
    """Whether an order is quarantined (importers move past it)."""
    row = await fetch_one(
        "SELECT state FROM order_import WHERE account = {} AND external_id = {}",
        account_id,
        external_id,
    )
    return row is not None and row["state"] == "QUARANTINED"


async def mark_merged(account_id: int, external_id: str) -> None:
    """Record that the marketplace no longer knows this order (Allegro merged it into a new form).

    Stock it moved stays moved: the new form carries the same line ids, and `deduct_line` takes
    those deductions over instead of deducting again.
    """
    await fetch_one(
        "INSERT INTO order_import (account, external_id, status, state, created_at, updated_at) "
        "VALUES ({}, {}, 'NOT_FOUND', 'MERGED', now(), now()) "
        "ON CONFLICT (account, external_id) DO UPDATE SET state = 'MERGED', "
        "status = 'NOT_FOUND', updated_at = now() RETURNING id",
        account_id,
        external_id,
    )
