"""The bot's answers as plain text, built from domain records (no parse mode, nothing to escape)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from server.domain.drift import ListingSyncRow
from server.domain.orders.queries import ConflictLine, OrderSummary
from server.domain.products import ProductRecord, StockLine
from server.sync.progress import RunProgress
from server.sync.records import SyncRunRecord

HELP = (
    "StockBridge bot\n"
    "/stock SKU - stock per warehouse, sellable and marketplace quantity per listing\n"
    "/find text - search products by SKU, name or EAN\n"
    "/sync - start a sync (all accounts, one account) · /sync SKU - sync one product\n"
    "/status - running syncs, last runs, failures, drift, order conflicts\n"
    "/orders - latest imported orders and conflicts\n"
    "/help - this list"
)
USAGE = {
    "stock": "Usage: /stock SKU (e.g. /stock SB-00001)",
    "find": "Usage: /find text (part of a SKU, name or EAN)",
    "sync": "Usage: /sync, or /sync SKU for one product",
}


def when(moment: datetime | None) -> str:
    """A time as `YYYY-MM-DD HH:MM UTC`, or `never`."""
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def stock_text(
    product: ProductRecord, stock: Sequence[StockLine], listings: Sequence[ListingSyncRow]
) -> str:
    """`/stock`: warehouses, then each listing's sellable, marketplace quantity and last sync."""
    lines = [f"{product.sku} - {product.name}"]
    if not product.is_sync_enabled:
        lines.append("Sync is off for this product.")
    lines.append(f"Available: {product.total_available}")
    lines.append("Warehouses:")
    lines += [
        f"  {s.warehouse} {s.warehouse_name}: {s.quantity} (reserved {s.reserved})" for s in stock
    ] or ["  none"]
    lines.append("Listings:")
    for row in listings:
        shown = "unknown" if row.last_seen_quantity is None else str(row.last_seen_quantity)
        paused = "" if row.active and row.account_active else " (paused)"
        lines.append(
            f"  {row.account_name} ({row.marketplace}){paused}: sellable {row.sellable}, "
            f"marketplace {shown}, last sync {when(row.last_sync_at)}"
        )
    if not listings:
        lines.append("  not listed on any marketplace")
    return "\n".join(lines)


def find_text(
    query: str, products: Sequence[ProductRecord], total: int, *, capped: bool = False
) -> str:
    """`/find`: matching products with their available stock (`capped`: more than `total`)."""
    if not products:
        return f"No product matches “{query}”."
    if capped:
        lines = [f"More than {total} products match “{query}”:"]
    else:
        lines = [f"{total} product(s) match “{query}”:"]
    lines += [f"  {p.sku} - {p.name} (available {p.total_available})" for p in products]
    if capped:
        lines.append("  … and more")
    elif total > len(products):
        lines.append(f"  … and {total - len(products)} more")
    return "\n".join(lines)


def run_line(run: SyncRunRecord) -> str:
    """One run in a list."""
    return (
        f"  #{run.id} {run.trigger}/{run.scope} {run.status}: pushed {run.pushed}, "
        f"failed {run.failed}, {when(run.created_at)}"
    )


def progress_text(run_id: int, progress: RunProgress | None, public_url: str) -> str:
    """A run's live state, for the message `/sync` keeps editing."""
    link = f"{public_url.rstrip('/')}/sync/runs/{run_id}"
    if progress is None:
        return f"Sync run #{run_id} queued.\n{link}"
    lines = [
        f"Sync run #{run_id} ({progress.scope}): {progress.status} {progress.percent}%",
        f"Batches {progress.batches_done}/{progress.batches_total} · planned {progress.planned}"
        f" · pushed {progress.pushed} · skipped {progress.skipped} · failed {progress.failed}",
    ]
    if progress.message:
        lines.append(progress.message)
    lines.append(link)
    return "\n".join(lines)


def summary_text(run: SyncRunRecord, public_url: str) -> str:
    """A finished run's summary, the last edit of a `/sync` message."""
    lines = [
        f"Sync run #{run.id} ({run.scope}) finished: {run.status}",
        f"Planned {run.planned} · pushed {run.pushed} · skipped {run.skipped} · "
        f"failed {run.failed} · requests {run.requests}",
    ]
    if run.error:
        lines.append(f"Error: {run.error}")
    lines.append(f"{public_url.rstrip('/')}/sync/runs/{run.id}")
    return "\n".join(lines)


def orders_text(
    orders: Sequence[OrderSummary], conflicts: Sequence[ConflictLine], total: int
) -> str:
    """`/orders`: the latest imports, then the open conflicts."""
    lines = ["Latest orders:"]
    lines += [
        f"  #{o.id} {o.account_name}: {o.external_id} {o.state} ({o.status}), "
        f"{o.lines_count} line(s), {o.conflicts_count} conflict(s), {when(o.updated_at)}"
        for o in orders
    ] or ["  none imported yet"]
    lines.append(f"Conflicts: {total}")
    lines += [
        f"  order {c.external_order_id} ({c.account_name}): {c.name} x{c.quantity}"
        for c in conflicts
    ]
    return "\n".join(lines)
