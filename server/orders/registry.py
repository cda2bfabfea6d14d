"""Which importer imports which marketplace's orders; the per-account job dispatches here.

Add a marketplace by adding its importer to `IMPORTERS`: the cron fan-out
(`jobs.start_order_import`) enqueues a per-account job for every active account whose marketplace
has one, and `import_account` runs it. Only Allegro is registered here; the Wix importer adds its
own entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from server.domain.accounts import get_account
from server.orders.allegro_import import import_allegro_account
from server.orders.deps import ImportOptions, ImportReport, OrderImportDeps

AccountImporter = Callable[[OrderImportDeps, int, ImportOptions | None], Awaitable[ImportReport]]

IMPORTERS: dict[str, AccountImporter] = {
    "allegro": import_allegro_account,
}


async def import_account(
    deps: OrderImportDeps, account_id: int, options: ImportOptions | None = None
) -> ImportReport:
    """Import one account's orders with its marketplace's importer (`unsupported` without one)."""
    account = await get_account(account_id)
    importer = IMPORTERS.get(account.marketplace)
    if importer is None:
        return ImportReport(account_id=account_id, status="unsupported")
    return await importer(deps, account_id, options)
