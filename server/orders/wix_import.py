"""Import a Wix site's orders: Search Orders from the account's watermark, apply each once.

`import_wix_account` is the poll (every minute, per account): orders with `updatedDate` after the
stored watermark minus `WATERMARK_OVERLAP` (10 minutes), sorted `updatedDate ASC`, in cursor
pages of up to 100.
Every order is read as Wix shows it now and applied with `apply_order`, which is idempotent per
(account, order id, line item id): an order read twice, by overlapping windows, by two importers
at once or by the webhook path, moves its stock once. The watermark moves (forward only) past the
orders applied, page by page, and stops before the first that failed until that order succeeds
or is quarantined (`record_order_failure`); orders after it are still applied meanwhile.

The overlap re-reads the last minutes of changes on every run, for orders Wix indexes late and
for clock skew between Wix's `updatedDate` and the moment they become searchable; how late Wix's
search can be is not documented [contract 9], so the overlap is generous and re-reading is free
of side effects.

An account's orders start when the account was connected (`created_at`, its *origin*): orders
created before it were already out of the stock counts people entered, so they are never applied,
not even when Wix changes them later (a fulfilment, a cancellation). The first poll's window
starts at the origin, saved at once as the watermark.

Wix lowers its own inventory at checkout; the fan-out push after a deduction sets absolute
quantities, so nothing is subtracted twice there.
"""

from __future__ import annotations

import datetime as dt
import logging

from server.domain.orders import (
    ApplyResult,
    apply_order,
    load_cursor,
    record_order_failure,
    save_watermark,
)
from server.marketplaces.wix.errors import WixApiError
from server.marketplaces.wix.orders import ORDERS_PAGE_SIZE, WixOrder
from server.orders.lock import account_import_lock
from server.orders.wix_account import WixImportAccount, load_import_account
from server.orders.wix_deps import WixImportDeps, WixImportReport
from server.orders.wix_mapping import (
    UnreadableOrderError,
    order_time,
    parse_wix_time,
    snapshot_of,
    wix_time,
)

logger = logging.getLogger(__name__)
IMPORT_LOCK_TTL_S = 120.0
"""The account lock's TTL; its heartbeat extends it while the poll runs."""

SORT_UPDATED_ASC = [{"fieldName": "updatedDate", "order": "ASC"}]


async def import_wix_account(deps: WixImportDeps, account_id: int) -> WixImportReport:
    """Poll one Wix account's orders; "busy" when another importer holds the account."""
    account = await load_import_account(account_id)
    report = WixImportReport(account_id=account_id)
    async with account_import_lock(deps.redis, account_id, ttl_s=IMPORT_LOCK_TTL_S) as held:
        if not held:
            report.status = "busy"
            return report
        await _import_since_watermark(deps, account, report)
    return report


async def _start(account: WixImportAccount) -> dt.datetime:
    """The saved watermark, or (saved now) the account's origin."""
    cursor = await load_cursor(account.record.id)
    if cursor.watermark is not None:
        return cursor.watermark
    await save_watermark(account.record.id, account.record.created_at)
    return account.record.created_at


def predates(account: WixImportAccount, order: WixOrder) -> bool:
    """Whether the order was created before the account's origin (then it is never applied)."""
    created = parse_wix_time(order.created_date)
    return created is not None and created < account.record.created_at


async def _import_since_watermark(
    deps: WixImportDeps, account: WixImportAccount, report: WixImportReport
) -> None:
    report.watermark = await _start(account)
    search = {"updatedDate": {"$gt": wix_time(report.watermark - deps.overlap)}}
    blocked = False
    page_size = min(deps.page_size, ORDERS_PAGE_SIZE)
    async with deps.wix.client(account.record) as client:
        async for page in client.iter_order_pages(search, SORT_UPDATED_ASC, page_size):
            mark: dt.datetime | None = None
            for order in page.orders:
                passed = await _import_listed(account, order, report)
                blocked = blocked or not passed
                if not blocked:
                    mark = _later(mark, order)
            if mark is not None and mark > report.watermark:
                await save_watermark(account.record.id, mark)
                report.watermark = mark
    report.blocked = blocked


def _later(mark: dt.datetime | None, order: WixOrder) -> dt.datetime | None:
    """The later of `mark` and the order's last change (an undated order moves nothing)."""
    try:
        moment = order_time(order)
    except UnreadableOrderError:
        return mark
    return moment if mark is None else max(mark, moment)


async def _import_listed(
    account: WixImportAccount, order: WixOrder, report: WixImportReport
) -> bool:
    """Apply one listed order; False when it failed and the watermark must wait for it."""
    report.orders += 1
    if predates(account, order):
        report.before_origin += 1
        return True
    try:
        result = await apply_order(
            account.record.id, snapshot_of(order), restock_on_cancel=account.restock_on_cancel
        )
    except Exception as error:
        logger.warning("Wix order %s of account %d failed: %s", order.id, account.record.id, error)
        report.failed.append(order.id)
        if not order.id:
            return True
        quarantined = await record_order_failure(
            account.record.id, order.id, f"{type(error).__name__}: {error}"
        )
        report.quarantined += int(quarantined)
        return quarantined
    report.add(result)
    return True


async def import_order_by_id(
    deps: WixImportDeps, account_id: int, order_id: str
) -> ApplyResult | None:
    """Read one order from Wix (never from the webhook's body) and apply it.

    None when Wix does not know the order (404) or it predates the account (see `predates`).

    The poll also finds the order (its `updatedDate` moved), so this is only a shortcut: a failure
    here is raised for the caller to log, and the poll counts it if it persists.
    """
    account = await load_import_account(account_id)
    async with deps.wix.client(account.record) as client:
        try:
            order = await client.get_order(order_id)
        except WixApiError as error:
            if error.status == 404:
                logger.info("Wix order %s not found for account %d", order_id, account_id)
                return None
            raise
    if predates(account, order):
        logger.info("Wix order %s predates account %d: not imported", order_id, account_id)
        return None
    return await apply_order(
        account_id, snapshot_of(order), restock_on_cancel=account.restock_on_cancel
    )
