"""The order-import jobs (DESIGN §6): a cron fan-out and one thin job per account.

`import_orders` runs every minute and queues `import_account_orders` for every active account
whose marketplace has an importer (`server.orders.registry.IMPORTERS`: Allegro and Wix), with the
job id `import_orders:{account_id}`. The per-account job dispatches on the account's marketplace.
"""

from __future__ import annotations

from typing import Any

from arq import ArqRedis
from arq.worker import Function, func

from server.orders import OrderImportDeps, import_account
from server.orders.jobs import start_order_import


def deps_of(ctx: dict[str, Any]) -> OrderImportDeps:
    """The importers' dependencies from the worker context."""
    arq: ArqRedis = ctx["redis"]
    return OrderImportDeps(redis=arq, allegro=ctx["allegro"], wix=ctx.get("wix"))


async def import_orders(ctx: dict[str, Any]) -> list[int]:
    """Queue one import per active account with an importer; returns the accounts queued."""
    return await start_order_import(ctx["redis"])


async def import_account_orders(ctx: dict[str, Any], account_id: int) -> dict[str, Any]:
    """Import one account's orders; returns the run's report (logged by arq)."""
    report = await import_account(deps_of(ctx), account_id)
    return {"account_id": report.account_id, "status": report.status, "events": report.events}


ORDER_FUNCTIONS: list[Function] = [
    func(import_orders),
    # No result kept: the account's job id must be free for the next minute once this one ends.
    func(import_account_orders, keep_result=0),
]
"""Every order-import job as the worker registers it."""
