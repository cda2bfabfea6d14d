"""Which importer imports which marketplace's orders; the per-account job dispatches here.

Add a marketplace by adding its importer to `IMPORTERS`: the cron fan-out
(`jobs.start_order_import`) enqueues a per-account job for every active account whose marketplace
has one, and `import_account` runs it. The Wix importer has its own report
(`WixImportReport`); `_import_wix` translates it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from server.domain.accounts import get_account
from server.orders.allegro_import import import_allegro_account
from server.orders.deps import ImportOptions, ImportReport, OrderImportDeps
from server.orders.wix_deps import WixImportDeps
from server.orders.wix_import import import_wix_account

AccountImporter = Callable[[OrderImportDeps, int, ImportOptions | None], Awaitable[ImportReport]]


async def _import_wix(
    deps: OrderImportDeps, account_id: int, options: ImportOptions | None
) -> ImportReport:
    """Poll a Wix account (the Allegro journal's options do not apply to it)."""
    if deps.wix is None:
        return ImportReport(account_id=account_id, status="not_connected")
    wix = await import_wix_account(WixImportDeps(redis=deps.redis, wix=deps.wix), account_id)
    return ImportReport(
        account_id=account_id,
        status="partial" if wix.blocked else wix.status,
        applied=wix.orders,
        deducted=wix.deducted,
        restocked=wix.restocked,
        conflicts=wix.conflicts,
        failed=len(wix.failed),
        quarantined=wix.quarantined,
        history=wix.before_origin,
        watermark=wix.watermark,
    )


IMPORTERS: dict[str, AccountImporter] = {
    "allegro": import_allegro_account,
    "wix": _import_wix,
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
