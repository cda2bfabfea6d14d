"""The Wix order-import jobs: thin arq wrappers over `server.orders.wix_import`, and the cron.

`import_wix_orders_all` (every minute) queues one `import_wix_orders` per active Wix account under
the account's job id, so a slow poll is never doubled. `import_wix_order` imports one order a
webhook named. No results are kept: a finished job's id is free for the next minute or event.
"""

from __future__ import annotations

import logging
from typing import Any

from arq import ArqRedis
from arq.worker import Function, func

from server.orders.wix_account import active_wix_account_ids
from server.orders.wix_deps import WixImportDeps
from server.orders.wix_import import import_order_by_id, import_wix_account
from server.orders.wix_jobs import enqueue_wix_poll

logger = logging.getLogger(__name__)


def wix_import_deps(ctx: dict[str, Any]) -> WixImportDeps:
    """The import's dependencies from the worker context."""
    return WixImportDeps(redis=ctx["redis"], wix=ctx["wix"])


async def import_wix_orders(ctx: dict[str, Any], account_id: int) -> dict[str, Any]:
    """Poll one Wix account's orders; returns the report as builtins."""
    report = await import_wix_account(wix_import_deps(ctx), account_id)
    if report.failed:
        logger.warning("Wix orders of account %d: %d failed", account_id, len(report.failed))
    return {
        "status": report.status,
        "orders": report.orders,
        "deducted": report.deducted,
        "restocked": report.restocked,
        "failed": len(report.failed),
    }


async def import_wix_order(ctx: dict[str, Any], account_id: int, order_id: str) -> str:
    """Import one order named by a webhook (read again from Wix); returns the order's state."""
    result = await import_order_by_id(wix_import_deps(ctx), account_id, order_id)
    return "not_found" if result is None else result.state


async def import_wix_orders_all(ctx: dict[str, Any]) -> int:
    """Queue a poll per active Wix account; returns how many were queued."""
    arq: ArqRedis = ctx["redis"]
    queued = 0
    for account_id in await active_wix_account_ids():
        queued += int(await enqueue_wix_poll(arq, account_id))
    return queued


WIX_ORDER_FUNCTIONS: list[Function] = [
    func(import_wix_orders, keep_result=0),
    func(import_wix_order, keep_result=0),
    func(import_wix_orders_all, keep_result=0),
]
"""Every Wix order job as the worker registers it."""
