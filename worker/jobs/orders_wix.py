"""The Wix webhook job: import the one order a webhook named, read again from Wix.

Polling Wix accounts is the general per-account job (`worker.jobs.orders`). No result is kept, so
a finished job's id is free for the next event.
"""

from __future__ import annotations

from typing import Any

from arq.worker import Function, func

from server.orders.wix_deps import WixImportDeps
from server.orders.wix_import import import_order_by_id


async def import_wix_order(ctx: dict[str, Any], account_id: int, order_id: str) -> str:
    """Import one order named by a webhook (read again from Wix); returns the order's state."""
    deps = WixImportDeps(redis=ctx["redis"], wix=ctx["wix"])
    result = await import_order_by_id(deps, account_id, order_id)
    return "not_found" if result is None else result.state


WIX_ORDER_FUNCTIONS: list[Function] = [func(import_wix_order, keep_result=0)]
"""The Wix webhook job as the worker registers it."""
