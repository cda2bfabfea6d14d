"""The soak's end checks: listings, the ledger invariant, deductions, locks and open records.

- wrong_listings: active listings whose marketplace shows something other than their sellable
  (Wix: the variant's quantity; Allegro: `stock.available`, 0 when the offer is ENDED).
- invariant: (product, warehouse) pairs whose quantity is not the sum of their operation deltas,
  or is negative.
- double/missing deductions: per placed order and SKU, the units its ORDER_DEDUCTION and
  ORDER_RESTOCK operations took net, against what the marketplace holds (the units of a live
  order, none of a cancelled one).
- locks_left: `stockbridge:lock:sku:*` keys in Redis and `product_sync_lock` rows still
  `in_progress`.
- open_runs: sync runs never finished (PENDING or RUNNING) — a failure nobody would see.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from redis.asyncio import Redis
from soak_load import PlacedOrder, Target

from server.domain.db import fetch, fetch_one
from server.domain.locks import LOCK_KEY_PREFIX
from server.domain.sellable import sellable_for_account

INVARIANT_SQL = """
SELECT count(*) AS broken FROM (
    SELECT s.product AS sku, w.code, s.quantity FROM stock s JOIN warehouse w ON w.id = s.warehouse
) held FULL JOIN (
    SELECT sku, warehouse_code AS code, SUM(quantity_delta) AS total FROM operation
    WHERE warehouse_code IS NOT NULL GROUP BY sku, warehouse_code
) logged USING (sku, code)
WHERE COALESCE(held.quantity, 0) <> COALESCE(logged.total, 0) OR held.quantity < 0
"""
ORDER_MOVES_SQL = """
SELECT oi.account, oi.external_id, ol.sku, -SUM(op.quantity_delta) AS net
FROM order_import oi JOIN order_line ol ON ol."order" = oi.id
JOIN operation op ON op.related_id = ol.sale_id AND op.type IN ('ORDER_DEDUCTION', 'ORDER_RESTOCK')
GROUP BY oi.account, oi.external_id, ol.sku
"""


def shown_quantities(target: Target, urls: dict[str, str]) -> dict[str, int | None]:
    """What the marketplace shows per item key (Wix `product/variant`, Allegro offer id)."""
    if target.marketplace == "allegro":
        url = f"{urls['allegro']}/_sandbox/sellers/{target.address}/offers"
        offers = httpx.get(url, timeout=30, trust_env=False).json()
        return {
            o["id"]: 0 if o["publication"]["status"] == "ENDED" else int(o["stock"]["available"])
            for o in offers
        }
    url = f"{urls['wix']}/_sandbox/sites/{target.address}/stock"
    rows = httpx.get(url, timeout=30, trust_env=False).json()
    return {f"{r['product_id']}/{r['variant_id']}": r["quantity"] for r in rows}


async def wrong_listings(targets: list[Target], urls: dict[str, str]) -> list[dict[str, Any]]:
    """Listings whose marketplace quantity differs from their sellable."""
    wrong = []
    for target in targets:
        shown = shown_quantities(target, urls)
        for listing in await sellable_for_account(target.account_id):
            key = listing.allegro_offer_id or f"{listing.wix_product_id}/{listing.wix_variant_id}"
            if shown.get(key) != listing.sellable:
                wrong.append(
                    {"listing": listing.listing_id, "sku": listing.sku, "key": key,
                     "sellable": listing.sellable, "shown": shown.get(key)}
                )  # fmt: skip
    return wrong


async def deductions(orders: list[PlacedOrder]) -> tuple[list[Any], list[Any]]:
    """(double, missing): (order, SKU, expected, net) where the net deduction is off."""
    net: Counter[tuple[int, str, str]] = Counter()
    for row in await fetch(ORDER_MOVES_SQL):
        net[(int(row["account"]), str(row["external_id"]), str(row["sku"]))] = int(row["net"])
    double, missing = [], []
    for order in orders:
        for sku, units in order.units.items():
            expected = 0 if order.cancelled else units
            found = net[(order.account_id, order.external_id, sku)]
            entry = (order.external_id, sku, expected, found)
            if found > expected:
                double.append(entry)
            elif found < expected:
                missing.append(entry)
    return double, missing


async def locks_left(redis: Redis) -> int:
    """SKU locks still held in Redis plus lock records still `in_progress`."""
    keys = [key async for key in redis.scan_iter(match=f"{LOCK_KEY_PREFIX}*")]
    row = await fetch_one(
        "SELECT count(*) AS n FROM product_sync_lock WHERE status = 'in_progress'"
    )
    return len(keys) + (int(row["n"]) if row else 0)


async def open_runs() -> list[str]:
    """The runs never finished, as `id trigger/scope STATUS`."""
    rows = await fetch(
        "SELECT id, trigger, scope, status FROM sync_run "
        "WHERE status IN ('PENDING', 'RUNNING') ORDER BY id"
    )
    return [f"{r['id']} {r['trigger']}/{r['scope']} {r['status']}" for r in rows]


async def records() -> dict[str, int]:
    """What the records show: failed sync items and runs, open runs, order failures."""
    row = await fetch_one(
        "SELECT (SELECT count(*) FROM sync_item WHERE status = 'FAILED') AS failed_items, "
        "(SELECT count(*) FROM sync_run WHERE status = 'FAILED') AS failed_runs, "
        "(SELECT count(*) FROM sync_run WHERE status IN ('PENDING', 'RUNNING')) AS open_runs, "
        "(SELECT count(*) FROM sync_run) AS runs, "
        "(SELECT count(*) FROM order_import WHERE failures > 0) AS order_failures, "
        "(SELECT count(*) FROM order_import WHERE state = 'QUARANTINED') AS quarantined, "
        "(SELECT count(*) FROM order_line WHERE status = 'CONFLICT') AS conflict_lines"
    )
    return {key: int(value) for key, value in (row or {}).items()}


async def invariant_broken() -> int:
    """(product, warehouse) pairs breaking the ledger invariant."""
    row = await fetch_one(INVARIANT_SQL)
    return int(row["broken"]) if row else 0
