"""Order-import job names and how they are enqueued (`server` never imports `worker`).

`import_orders` is the every-minute cron; it, and `POST /api/orders/import`, call
`start_order_import`, which enqueues one `import_account_orders` per active account whose
marketplace has an importer, under the job id `import_orders:{account_id}`. While that job is
queued or running, enqueuing it again is a no-op (arq refuses a live job id), so a slow import is
never stacked up; the job keeps no result, so its id is free again as soon as it ends.
"""

from __future__ import annotations

from arq import ArqRedis

from server.domain.accounts import get_account, list_accounts
from server.orders.registry import IMPORTERS

IMPORT_ORDERS = "import_orders"
IMPORT_ACCOUNT_ORDERS = "import_account_orders"


def account_job_id(account_id: int) -> str:
    """The arq job id of an account's import (one queued or running at a time)."""
    return f"import_orders:{account_id}"


async def start_order_import(arq: ArqRedis, account_id: int | None = None) -> list[int]:
    """Queue the import of one account, or of every active account with an importer.

    Returns the accounts whose job was queued now (those already queued or running are left
    out). An inactive account, or one without an importer, queues nothing.
    """
    if account_id is None:
        accounts = await list_accounts(active=True)
    else:
        accounts = [await get_account(account_id)]
    wanted = [a.id for a in accounts if a.active and a.marketplace in IMPORTERS]
    queued, _ = await enqueue_order_imports(arq, wanted)
    return queued


async def enqueue_order_imports(
    arq: ArqRedis, account_ids: list[int]
) -> tuple[list[int], list[int]]:
    """Queue an import per account; returns (queued now, already queued or running)."""
    queued: list[int] = []
    waiting: list[int] = []
    for account_id in account_ids:
        job = await arq.enqueue_job(
            IMPORT_ACCOUNT_ORDERS, account_id, _job_id=account_job_id(account_id)
        )
        (queued if job is not None else waiting).append(account_id)
    return queued, waiting
