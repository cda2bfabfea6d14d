"""Auto-map: link an account's marketplace items to local products by SKU.

`automap(account_id, items)` takes the items the marketplace client read and creates the missing
listings in one statement. It never maps an item twice, never maps a SKU that the marketplace
shows on more than one item (those SKUs are reported), leaves existing listings alone (a clash
with them is reported), and creates nothing new when run again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Sequence

import asyncpg
import msgspec

from server.domain.accounts import get_account
from server.domain.connectors import (
    MarketplaceConnectors,
    MarketplaceItem,
    call_marketplace,
    item_source_for,
)
from server.domain.credentials import Marketplace
from server.domain.db import engine, fetch, fetch_one
from server.domain.item_ids import ItemIds, ItemKey, describe, item_id_problem, item_key
from server.domain.listings import account_marketplace
from server.errors import ConflictError

logger = logging.getLogger(__name__)
REPORT_LIMIT = 100
"""At most this many duplicate SKUs and conflicts are listed; the counts cover all."""


class AutomapConflict(msgspec.Struct, kw_only=True):
    """A marketplace item that was left unmapped because it clashes with an existing listing."""

    item: str
    sku: str
    reason: str


class AutomapResult(msgspec.Struct, kw_only=True):
    """What one auto-map run saw and did.

    `wix_products_count` counts the distinct marketplace items received, whatever the name says:
    Wix product variants or Allegro offers. `local_products_count` counts the catalogue.
    """

    wix_products_count: int
    local_products_count: int
    created_mappings: int
    already_mapped: int
    unmatched_count: int
    without_sku_count: int
    invalid_items_count: int
    duplicate_skus: list[str]
    duplicate_skus_count: int
    conflicts: list[AutomapConflict]
    conflicts_count: int


@dataclasses.dataclass
class ItemPlan:
    """Items sorted out before the database is asked: unique, valid, with a unique SKU."""

    candidates: dict[ItemKey, tuple[str, ItemIds]]
    seen: int
    without_sku: int
    invalid: int
    duplicate_skus: list[str]


def _ids(marketplace: Marketplace, item: MarketplaceItem) -> ItemIds:
    """The ids that identify the item on this marketplace (others are ignored), trimmed."""

    def trim(value: str | None) -> str | None:
        """A trimmed id; empty means none."""
        return value.strip() or None if value is not None else None

    if marketplace is Marketplace.ALLEGRO:
        return ItemIds(allegro_offer_id=trim(item.offer_id))
    return ItemIds(
        wix_product_id=trim(item.product_id),
        wix_variant_id=trim(item.variant_id),
        wix_inventory_item_id=trim(item.inventory_item_id),
    )


def plan_items(marketplace: Marketplace, items: Sequence[MarketplaceItem]) -> ItemPlan:
    """Drop invalid items, merge repeats, set aside items without SKU and duplicated SKUs.

    An item listed twice with different SKUs is ambiguous and counted as invalid.
    """
    by_key: dict[ItemKey, tuple[str, ItemIds]] = {}
    ambiguous: set[ItemKey] = set()
    invalid = 0
    for item in items:
        ids = _ids(marketplace, item)
        if item_id_problem(marketplace, ids) is not None:
            invalid += 1
            continue
        key, sku = item_key(ids), (item.sku or "").strip()
        known = by_key.setdefault(key, (sku, ids))
        if known[0] != sku:
            ambiguous.add(key)
    for key in ambiguous:
        del by_key[key]
    counts = Counter(sku for sku, _ in by_key.values() if sku)
    return ItemPlan(
        candidates={k: v for k, v in by_key.items() if v[0] and counts[v[0]] == 1},
        seen=len(by_key) + len(ambiguous) + invalid,
        without_sku=sum(1 for sku, _ in by_key.values() if not sku),
        invalid=invalid + len(ambiguous),
        duplicate_skus=sorted(sku for sku, n in counts.items() if n > 1),
    )


async def _existing(account_id: int) -> dict[ItemKey, str]:
    rows = await fetch(
        "SELECT product, wix_product_id, wix_variant_id, allegro_offer_id FROM listing "
        "WHERE account = {}",
        account_id,
    )
    keys = ("wix_product_id", "wix_variant_id", "allegro_offer_id")
    return {item_key(ItemIds(**{k: r[k] for k in keys})): r["product"] for r in rows}


async def _insert(account_id: int, rows: list[tuple[str, ItemIds]]) -> int:
    """Insert listings in one statement; items mapped meanwhile by someone else are skipped."""
    if not rows:
        return 0
    names = ("wix_product_id", "wix_variant_id", "wix_inventory_item_id", "allegro_offer_id")
    columns = [[sku for sku, _ in rows], *([getattr(ids, n) for _, ids in rows] for n in names)]
    try:
        row = await fetch_one(
            "WITH created AS (INSERT INTO listing (account, product, wix_product_id, "
            "wix_variant_id, wix_inventory_item_id, allegro_offer_id, active, created_at, "
            "updated_at) SELECT {}, u.sku, u.pid, u.vid, u.iid, u.oid, true, now(), now() "
            "FROM unnest({}::text[], {}::text[], {}::text[], {}::text[], {}::text[]) "
            "AS u(sku, pid, vid, iid, oid) ON CONFLICT DO NOTHING RETURNING 1) "
            "SELECT count(*)::int AS n FROM created",
            account_id,
            *columns,
        )
    except asyncpg.ForeignKeyViolationError:
        raise ConflictError("a product was deleted while auto-mapping; run it again") from None
    return int(row["n"]) if row else 0


@dataclasses.dataclass
class _Sorted:
    """The candidates split by what the database already holds."""

    to_create: list[tuple[str, ItemIds]] = dataclasses.field(default_factory=list)
    conflicts: list[AutomapConflict] = dataclasses.field(default_factory=list)
    already: int = 0
    unmatched: int = 0


def _sort(plan: ItemPlan, existing: dict[ItemKey, str], local: set[str]) -> _Sorted:
    """Decide per candidate: already mapped, clashing, unknown SKU, or to be created."""
    out = _Sorted()
    listed_skus = set(existing.values())
    for key, (sku, ids) in plan.candidates.items():
        mapped = existing.get(key)
        if mapped is not None:
            out.already += 1
            if mapped != sku:
                reason = f"already mapped to SKU {mapped!r}"
                out.conflicts.append(AutomapConflict(item=describe(ids), sku=sku, reason=reason))
        elif sku not in local:
            out.unmatched += 1
        elif sku in listed_skus:
            reason = "SKU already mapped to another item of this account"
            out.conflicts.append(AutomapConflict(item=describe(ids), sku=sku, reason=reason))
        else:
            out.to_create.append((sku, ids))
    return out


async def automap(account_id: int, items: Sequence[MarketplaceItem]) -> AutomapResult:
    """Create the listings the SKUs call for; report what was left out and why."""
    marketplace = await account_marketplace(account_id)
    plan = plan_items(marketplace, items)
    async with engine().transaction():
        existing = await _existing(account_id)
        skus = [sku for sku, _ in plan.candidates.values()]
        rows = await fetch("SELECT sku FROM product WHERE sku = ANY({}::text[])", skus)
        decided = _sort(plan, existing, {row["sku"] for row in rows})
        created = await _insert(account_id, decided.to_create)
        total = await fetch_one("SELECT count(*)::int AS n FROM product")
    logger.info(
        "auto-map of account %d: %d items seen, %d mappings created",
        account_id,
        plan.seen,
        created,
    )
    return AutomapResult(
        wix_products_count=plan.seen,
        local_products_count=int(total["n"]) if total else 0,
        created_mappings=created,
        already_mapped=decided.already,
        unmatched_count=decided.unmatched,
        without_sku_count=plan.without_sku,
        invalid_items_count=plan.invalid,
        duplicate_skus=plan.duplicate_skus[:REPORT_LIMIT],
        duplicate_skus_count=len(plan.duplicate_skus),
        conflicts=decided.conflicts[:REPORT_LIMIT],
        conflicts_count=len(decided.conflicts),
    )


async def run_automap(account_id: int, connectors: MarketplaceConnectors) -> AutomapResult:
    """Read the account's items through its marketplace's item source, then auto-map them."""
    account = await get_account(account_id)
    source = item_source_for(connectors, account.marketplace)
    items = await call_marketplace(account, source.fetch_items(account))
    return await automap(account_id, items)
