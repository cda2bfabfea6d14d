"""Names and ids of the Wix order-import jobs, and how the web process and the cron enqueue them.

`server` never imports `worker`: jobs are enqueued by name. The poll's job id is the account's
(`import_orders:{account_id}`), so one poll per account is queued at a time. A webhook's job id
carries the event id, so a redelivered event is one job while it waits, and a new event for the
same order is a job of its own (it reads the order again; applying twice changes nothing).
"""

from __future__ import annotations

import hashlib
import re

from arq import ArqRedis

IMPORT_WIX_ORDERS = "import_wix_orders"
IMPORT_WIX_ORDER = "import_wix_order"
_SAFE = re.compile(r"[A-Za-z0-9-]{1,64}")


def poll_job_id(account_id: int) -> str:
    """The arq job id of an account's order poll."""
    return f"import_orders:{account_id}"


def order_job_id(account_id: int, order_id: str, event_id: str) -> str:
    """The arq job id of one webhook event's import (the event id, or a digest of it)."""
    event = event_id if _SAFE.fullmatch(event_id) else hashlib.sha256(event_id.encode()).hexdigest()
    return f"import_wix_order:{account_id}:{order_id}:{event[:64]}"


async def enqueue_wix_poll(arq: ArqRedis, account_id: int) -> bool:
    """Queue an account's poll; False when one is already queued or running."""
    job = await arq.enqueue_job(IMPORT_WIX_ORDERS, account_id, _job_id=poll_job_id(account_id))
    return job is not None


async def enqueue_wix_order(arq: ArqRedis, account_id: int, order_id: str, event_id: str) -> bool:
    """Queue the import of one order named by a webhook; False when that event is queued."""
    job = await arq.enqueue_job(
        IMPORT_WIX_ORDER,
        account_id,
        order_id,
        _job_id=order_job_id(account_id, order_id, event_id),
    )
    return job is not None
