"""Writing stock: relative changes (`update_inventory`) and absolute sets (`set_inventory`).

Relative (not idempotent, never retried by the HTTP layer): V1 `POST /stores/v2/inventoryItems/
increment|decrement` and V3 `POST /stores/v3/bulk/inventory-items/increment|decrement` (by item
id, or `…-by-variant-and-location` when only the variant is known), 300 items a call [typings];
amounts are ≥ 1, so zero changes are skipped. Absolute: V1 `PATCH /stores/v2/inventoryItems/
product/{productId}` per product with `trackQuantity: true` (omitting it switches tracking off
for every variant [typings]); V3 bulk update, 1,000 items a call, each with the item's current
`revision`: a stale revision (409, or a per-item conflict) re-reads the items and tries again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from server.marketplaces.wix.crawl import batches, items_by
from server.marketplaces.wix.errors import WixApiError, WixInputError
from server.marketplaces.wix.models import WixInventoryItem, WixInventoryUpdate
from server.marketplaces.wix.session import WixSession
from server.marketplaces.wix.wire import BULK, BulkResponse

RELATIVE_CHUNK = 300
"""Items per increment/decrement call (V1 and V3) [typings `@maxSize 300`]."""
ABSOLUTE_CHUNK = 1000
"""Items per V3 bulk update [DOC, typings]."""
CONFLICT_ATTEMPTS = 3
"""Bulk-update rounds per chunk when revisions keep going stale."""
_EMPTY = msgspec.json.Decoder(dict[str, Any])
_CONFLICT_CODES = frozenset({"REVISION_MISMATCH", "ABORTED", "CONFLICT", "ALREADY_CHANGED"})


class WixItemFailure(msgspec.Struct, kw_only=True):
    """One item Wix refused inside an otherwise successful bulk call."""

    variant_id: str | None
    inventory_item_id: str | None
    code: str | None
    description: str | None


class WixWriteResult(msgspec.Struct, kw_only=True):
    """What a write did: items sent, calls made, items refused."""

    sent: int = 0
    requests: int = 0
    failures: list[WixItemFailure] = msgspec.field(default_factory=list)


def _v1_target(update: WixInventoryUpdate) -> dict[str, str]:
    if update.inventory_item_id:
        return {"inventoryId": update.inventory_item_id}
    if update.product_id:
        return {"productId": update.product_id}
    raise WixInputError(f"V1 stock writes need product_id (variant {update.variant_id})")


def _failures(answer: BulkResponse, batch: Sequence[WixInventoryUpdate]) -> list[WixItemFailure]:
    failures = []
    for position, result in enumerate(answer.results):
        meta = result.item_metadata
        if meta is None or meta.success:
            continue
        index = meta.original_index if meta.original_index is not None else position
        source = batch[index] if 0 <= index < len(batch) else None
        failures.append(
            WixItemFailure(
                variant_id=source.variant_id if source else None,
                inventory_item_id=meta.id,
                code=meta.error.code if meta.error else None,
                description=meta.error.description if meta.error else None,
            )
        )
    return failures


async def update_inventory(
    session: WixSession,
    updates: Sequence[WixInventoryUpdate],
    increment: bool,
    *,
    allow_negative: bool = False,
) -> WixWriteResult:
    """Increment (or decrement) each variant by its `quantity`, 300 items a call.

    `allow_negative` lets a V3 decrement take stock below zero (`restrictInventory: false`).
    """
    changes = [u for u in updates if u.quantity > 0]
    result = WixWriteResult()
    verb = "increment" if increment else "decrement"
    amount = "incrementBy" if increment else "decrementBy"
    if await session.catalog() == "V1":
        data = [{**_v1_target(u), "variantId": u.variant_id, amount: u.quantity} for u in changes]
        for chunk in batches(data, RELATIVE_CHUNK):
            path = f"/stores/v2/inventoryItems/{verb}"
            await session.call("POST", path, _EMPTY, body={f"{verb}Data": chunk}, idempotent=False)
            result.sent, result.requests = result.sent + len(chunk), result.requests + 1
        return result
    by_id = [u for u in changes if u.inventory_item_id]
    by_variant = [u for u in changes if not u.inventory_item_id]
    for group, suffix in ((by_id, ""), (by_variant, "-by-variant-and-location")):
        for batch in batches(group, RELATIVE_CHUNK):
            body: dict[str, Any] = {f"{verb}Data": [_v3_change(u, amount) for u in batch]}
            if not increment:
                body["restrictInventory"] = not allow_negative
            path = f"/stores/v3/bulk/inventory-items/{verb}{suffix}"
            answer = await session.call("POST", path, BULK, body=body, idempotent=False)
            result.sent, result.requests = result.sent + len(batch), result.requests + 1
            result.failures.extend(_failures(answer, batch))
    return result


def _v3_change(update: WixInventoryUpdate, amount: str) -> dict[str, Any]:
    if update.inventory_item_id:
        return {"inventoryItemId": update.inventory_item_id, amount: update.quantity}
    return {"variantId": update.variant_id, amount: update.quantity}


async def _set_v1(session: WixSession, updates: Sequence[WixInventoryUpdate]) -> WixWriteResult:
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for update in updates:
        target = _v1_target(update)
        kind, ident = next(iter(target.items()))
        groups.setdefault((kind, ident), {})[update.variant_id] = update.quantity
    result = WixWriteResult()
    for (kind, ident), quantities in groups.items():
        path = f"/stores/v2/inventoryItems/{'product/' if kind == 'productId' else ''}{ident}"
        variants = [{"variantId": v, "quantity": q} for v, q in quantities.items()]
        body = {"inventoryItem": {"trackQuantity": True, "variants": variants}}
        await session.call("PATCH", path, _EMPTY, body=body, idempotent=True)
        result.sent, result.requests = result.sent + len(variants), result.requests + 1
    return result


async def _current_items(
    session: WixSession, updates: Sequence[WixInventoryUpdate]
) -> dict[str, WixInventoryItem]:
    """Fresh V3 items for the updates, keyed by item id and by variant id."""
    item_ids = [u.inventory_item_id for u in updates if u.inventory_item_id]
    variant_ids = [u.variant_id for u in updates if not u.inventory_item_id]
    found: dict[str, WixInventoryItem] = {}
    if item_ids:
        for item in await items_by(session, "id", item_ids, {}):
            found[item.id] = item
    if variant_ids:
        for item in await items_by(session, "variantId", variant_ids, {}):
            found.setdefault(f"variant:{item.variant_id}", item)
    return found


def _item_for(update: WixInventoryUpdate, items: dict[str, WixInventoryItem]) -> WixInventoryItem:
    key = update.inventory_item_id or f"variant:{update.variant_id}"
    item = items.get(key)
    if item is None:
        raise WixApiError(
            f"no inventory item for variant {update.variant_id}", code="NOT_FOUND", status=404
        )
    return item


async def _entries(
    session: WixSession, batch: list[WixInventoryUpdate], fresh: bool
) -> list[dict[str, Any]]:
    """Bulk-update entries: the callers' revisions if all are known (and not `fresh`), else read."""
    if not fresh and all(u.inventory_item_id and u.revision for u in batch):
        pairs = [(u.inventory_item_id, u.revision, u.quantity) for u in batch]
    else:
        items = await _current_items(session, batch)
        pairs = []
        for update in batch:
            item = _item_for(update, items)
            pairs.append((item.id, item.revision, update.quantity))
    return [{"inventoryItem": {"id": i, "revision": r, "quantity": q}} for i, r, q in pairs]


async def _bulk_update_round(
    session: WixSession, batch: list[WixInventoryUpdate], result: WixWriteResult, fresh: bool
) -> list[WixInventoryUpdate]:
    """One bulk update of `batch`; returns the updates whose revision went stale."""
    entries = await _entries(session, batch, fresh)
    body = {"inventoryItems": entries, "reason": "MANUAL", "returnEntity": False}
    path = "/stores/v3/bulk/inventory-items/update"
    result.requests += 1
    try:
        answer = await session.call("POST", path, BULK, body=body, idempotent=True)
    except WixApiError as error:
        if error.status == 409:
            return batch
        raise
    failures = _failures(answer, batch)
    stale = {f.inventory_item_id for f in failures if f.code in _CONFLICT_CODES}
    result.failures.extend(f for f in failures if f.inventory_item_id not in stale)
    result.sent += len(batch) - len(failures)
    ids = [entry["inventoryItem"]["id"] for entry in entries]
    return [update for update, item_id in zip(batch, ids, strict=True) if item_id in stale]


async def set_inventory(
    session: WixSession, updates: Sequence[WixInventoryUpdate]
) -> WixWriteResult:
    """Set each variant's quantity absolutely (the write a sync should use)."""
    if await session.catalog() == "V1":
        return await _set_v1(session, updates)
    result = WixWriteResult()
    for batch in batches(updates, ABSOLUTE_CHUNK):
        pending = batch
        for attempt in range(CONFLICT_ATTEMPTS):
            pending = await _bulk_update_round(session, pending, result, fresh=attempt > 0)
            if not pending:
                break
        if pending:
            raise WixApiError(
                f"revision conflicts persisted for {len(pending)} item(s) "
                f"after {CONFLICT_ATTEMPTS} attempts",
                code="REVISION_MISMATCH",
                status=409,
            )
    return result
