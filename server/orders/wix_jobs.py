"""The Wix webhook job's name and id, and how the web process enqueues it.

`server` never imports `worker`: jobs are enqueued by name. (Polling is the general per-account
import job of `server.orders.jobs`.) A webhook's job id carries the event id, so a redelivered
event is one job while it waits, and a new event for the same order is a job of its own (it reads
the order again; applying twice changes nothing).
"""

from __future__ import annotations

import hashlib
import re

from arq import ArqRedis

IMPORT_WIX_ORDER = "import_wix_order"
_SAFE = re.compile(r"[A-Za-z0-9-]{1,64}")


def order_job_id(account_id: int, order_id: str, event_id: str) -> str:
    """The arq job id of one webhook event's import (the event id, or a digest of it)."""
    event = event_id if _SAFE.fullmatch(event_id) else hashlib.sha256(event_id.encode()).hexdigest()
    return f"import_wix_order:{account_id}:{order_id}:{event[:64]}"


async def enqueue_wix_order(arq: ArqRedis, account_id: int, order_id: str, event_id: str) -> bool:
    """Queue the import of one order named by a webhook; False when that event is queued."""
    job = await arq.enqueue_job(
        IMPORT_WIX_ORDER,
        account_id,
        order_id,
        _job_id=order_job_id(account_id, order_id, event_id),
    )
    return job is not None
