"""Ground truth from the sandboxes against the ledger, for the order-import benchmark.

Truth: every line of every order the sandboxes hold, keyed like the sale row an import writes
(`order:{account}:{order}:{line}`), expecting its quantity when the order is live (Allegro
READY_FOR_PROCESSING, Wix APPROVED and not refunded) and 0 when it was cancelled. Measured: per
sale key, the units ORDER_DEDUCTION took minus those ORDER_RESTOCK gave back. A line whose net is
more than its quantity, a cancelled line still deducted, or a deduction of a line no sandbox holds
is a double deduction; a live line with less than its quantity is missing, unless its line is a
CONFLICT (a shortfall or an unmatched item: counted apart). The ledger invariant (quantity = sum
of deltas per product and warehouse) is checked as `bench/ledger.py` does.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from orders_setup import SELLERS, WIX_SITE, OrdersBench

from server.domain.db import fetch, fetch_one
from server.sandboxes.wix.app import wix_sandbox_of

INVARIANT_SQL = """
SELECT count(*) AS broken FROM (
    SELECT s.product AS sku, w.code, s.quantity FROM stock s JOIN warehouse w ON w.id = s.warehouse
) held FULL JOIN (
    SELECT sku, warehouse_code AS code, SUM(quantity_delta) AS total FROM operation
    WHERE warehouse_code IS NOT NULL GROUP BY sku, warehouse_code
) logged USING (sku, code)
WHERE COALESCE(held.quantity, 0) <> COALESCE(logged.total, 0) OR held.quantity < 0
"""
NET_SQL = """
SELECT s.idempotency_key AS key,
       -SUM(o.quantity_delta) AS net,
       COUNT(*) FILTER (WHERE o.type = 'ORDER_DEDUCTION') AS deductions
FROM sale s JOIN operation o ON o.related_id = s.id
     AND o.type IN ('ORDER_DEDUCTION', 'ORDER_RESTOCK')
WHERE s.idempotency_key LIKE 'order:%'
GROUP BY s.idempotency_key
"""
CONFLICT_SQL = """
SELECT 'order:' || o.account || ':' || o.external_id || ':' || l.external_line_id AS key
FROM order_line l JOIN order_import o ON o.id = l."order" WHERE l.status = 'CONFLICT'
"""


def truth(bench: OrdersBench) -> dict[str, tuple[int, int]]:
    """Sale key → (units bought, units that should be deducted now) of every sandbox line."""
    lines: dict[str, tuple[int, int]] = {}
    store = bench.allegro_app.state.allegro.store
    for name, seller_id in SELLERS.items():
        account = bench.accounts[name]
        for order in store.orders.values():
            if order.seller_id != seller_id:
                continue
            live = order.status == "READY_FOR_PROCESSING"
            for item in order.line_items:
                key = f"order:{account}:{order.id}:{item.id}"
                lines[key] = (item.quantity, item.quantity if live else 0)
    site = wix_sandbox_of(bench.wix_app).sites[WIX_SITE]
    for wix_order in site.orders.values():
        live = wix_order.status == "APPROVED" and wix_order.payment_status != "FULLY_REFUNDED"
        for line in wix_order.lines:
            key = f"order:{bench.accounts['wix']}:{wix_order.id}:{line.id}"
            lines[key] = (line.quantity, line.quantity if live else 0)
    return lines


async def measured() -> dict[str, tuple[int, int]]:
    """Sale key → (net units deducted, deduction operations)."""
    rows = await fetch(NET_SQL)
    return {str(r["key"]): (int(r["net"]), int(r["deductions"])) for r in rows}


def compare(
    expected: dict[str, tuple[int, int]], net: dict[str, tuple[int, int]], conflicts: set[str]
) -> Counter[str]:
    """Count live, cancelled, double, missing and conflicting lines."""
    counts: Counter[str] = Counter()
    for key, (_bought, wanted) in expected.items():
        have = net.get(key, (0, 0))[0]
        counts["live" if wanted else "cancelled"] += 1
        if have > wanted:
            counts["double_deductions"] += 1
        elif have < wanted:
            counts["conflicts" if key in conflicts else "missing_deductions"] += 1
        counts["restocked"] += int(not wanted and net.get(key, (0, 0))[1] > 0)
    counts["double_deductions"] += sum(1 for key in net if key not in expected)
    return counts


async def check(bench: OrdersBench) -> dict[str, Any]:
    """The line counts, the line statuses in the database and the ledger invariant."""
    rows = await fetch(CONFLICT_SQL)
    counts = compare(truth(bench), await measured(), {str(r["key"]) for r in rows})
    statuses = await fetch("SELECT status, count(*) AS n FROM order_line GROUP BY status")
    broken = await fetch_one(INVARIANT_SQL)
    return {
        "lines": counts["live"] + counts["cancelled"],
        "live_lines": counts["live"],
        "cancelled_lines": counts["cancelled"],
        "cancelled_restocked": counts["restocked"],
        "double_deductions": counts["double_deductions"],
        "missing_deductions": counts["missing_deductions"],
        "conflicts": counts["conflicts"],
        "line_statuses": {str(r["status"]): int(r["n"]) for r in statuses},
        "invariant_ok": broken is not None and broken["broken"] == 0,
    }
