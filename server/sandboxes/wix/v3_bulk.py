"""Catalog V3 bulk inventory writes: update (absolute, with revision), increment and decrement.

Limits and defaults from the typed SDK: update takes 1..1,000 items, each `{"inventoryItem": {id,
revision, ...}}`; increment/decrement take 1..300 items with amounts 1..99,999; `restrictInventory`
defaults to true (no negative stock). Responses: `results[] {itemMetadata {id, originalIndex,
success, error}, item (only with returnEntity)}` and `bulkActionMetadata`. The methods' documented
errors (428 `INSUFFICIENT_INVENTORY`, `INVENTORY_QUANTITY_NOT_TRACKED`, `MIN/MAX_QUANTITY_LIMIT_
REACHED`, `REQUESTED_QUANTITY_MUST_BE_NON_NEGATIVE_DECREASING`) fail the whole request unless
`v3_bulk_failures == "item"`; a stale revision fails it with 409 unless `v3_revision_conflict`
says "item". A failing request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.handlers import HTTPRouteHandler

from server.sandboxes.wix.errors import WixSandboxError, invalid
from server.sandboxes.wix.query import Doc
from server.sandboxes.wix.render import v3_item
from server.sandboxes.wix.sandbox import WixSandbox, read_body
from server.sandboxes.wix.state import QUANTITY_LIMIT, Product, Site, Variant, touch_variant
from server.sandboxes.wix.v3_inventory import ItemPatch, apply_patch, check_quantity, stale

Amount = Annotated[int, msgspec.Meta(ge=1, le=QUANTITY_LIMIT)]


class Masked(msgspec.Struct):
    """One element of Bulk Update's `inventoryItems` (note the extra wrapper)."""

    inventoryItem: ItemPatch


class BulkUpdateBody(msgspec.Struct, rename="camel"):
    """Body of Bulk Update Inventory Items."""

    inventory_items: Annotated[list[Masked], msgspec.Meta(min_length=1, max_length=1000)]
    return_entity: bool = False
    reason: str | None = None


class Change(msgspec.Struct, rename="camel"):
    """One increment/decrement by inventory item id or by variant (+ location)."""

    inventory_item_id: str | None = None
    variant_id: str | None = None
    location_id: str | None = None
    increment_by: Amount | None = None
    decrement_by: Amount | None = None
    preorder_request: bool = False


Changes = Annotated[list[Change], msgspec.Meta(min_length=1, max_length=300)]


class IncrementBody(msgspec.Struct, rename="camel"):
    """Body of the bulk increments."""

    increment_data: Changes
    return_entity: bool = False
    reason: str | None = None


class DecrementBody(msgspec.Struct, rename="camel"):
    """Body of the bulk decrements; `restrictInventory` omitted means true [typings]."""

    decrement_data: Changes
    restrict_inventory: bool | None = None
    return_entity: bool = False
    reason: str | None = None


@dataclass
class Outcome:
    """One item's fate: its target (if found) and its error code (if it failed)."""

    item_id: str | None
    target: tuple[Product, Variant] | None
    code: str | None = None
    description: str = ""
    status: int = 428


def _locate(site: Site, change: Change, by_variant: bool) -> tuple[Product, Variant] | None:
    if not by_variant:
        return site.item(change.inventory_item_id or "")
    if change.location_id and change.location_id != site.location_id:
        return None
    return next(((p, v) for p, v in site.items() if v.id == change.variant_id), None)


def _change_error(variant: Variant, delta: int, restrict: bool, preorder: bool) -> str | None:
    """The documented error code a change of `delta` (this request's total) would hit, if any."""
    if not variant.track_quantity:
        return "INVENTORY_QUANTITY_NOT_TRACKED"
    result = variant.quantity + delta
    if result > QUANTITY_LIMIT:
        return "MAX_QUANTITY_LIMIT_REACHED"
    if result < -QUANTITY_LIMIT:
        return "MIN_QUANTITY_LIMIT_REACHED"
    if delta < 0 and restrict and result < 0 and not (preorder and variant.preorder_enabled):
        return "INSUFFICIENT_INVENTORY"
    return None


def _plan_changes(
    site: Site, changes: list[Change], sign: int, by_variant: bool, restrict: bool
) -> list[Outcome]:
    outcomes = []
    planned: dict[str, int] = {}  # item id -> change so far in this request
    for index, change in enumerate(changes):
        key = "variantId" if by_variant else "inventoryItemId"
        if not (change.variant_id if by_variant else change.inventory_item_id):
            raise invalid(
                f"{'incrementData' if sign > 0 else 'decrementData'}[{index}].{key}",
                f"{key} is required",
            )
        amount = change.increment_by if sign > 0 else change.decrement_by
        if amount is None:
            raise invalid(f"[{index}]", "incrementBy/decrementBy is required")
        target = _locate(site, change, by_variant)
        if target is None:
            # NOT_FOUND is a documented 428 of the by-variant endpoints only [typings].
            status = 428 if by_variant else 404
            outcomes.append(
                Outcome(change.inventory_item_id, None, "NOT_FOUND", "not found", status)
            )
            continue
        item_id = target[1].item_id
        total = planned.get(item_id, 0) + sign * amount
        code = _change_error(target[1], total, restrict, change.preorder_request)
        if code is None:
            planned[item_id] = total
        outcomes.append(Outcome(item_id, target, code, code or ""))
    return outcomes


def _finish(
    sb: WixSandbox,
    site: Site,
    outcomes: list[Outcome],
    deltas: list[int] | None,
    patches: list[ItemPatch] | None,
    return_entity: bool,
) -> Doc:
    """Apply the successful outcomes and build the bulk response."""
    blocking = [o for o in outcomes if o.code and o.status == 428]
    if blocking and sb.options.v3_bulk_failures == "request_428":
        first = blocking[0]
        raise WixSandboxError(428, first.description, code=first.code, data={"id": first.item_id})
    now, results = sb.clock(), []
    for index, outcome in enumerate(outcomes):
        meta: Doc = {"id": outcome.item_id, "originalIndex": index, "success": outcome.code is None}
        result: Doc = {"itemMetadata": meta}
        if outcome.code is not None or outcome.target is None:
            meta["error"] = {"code": outcome.code, "description": outcome.description, "data": {}}
        else:
            product, variant = outcome.target
            if patches is not None:
                apply_patch(product, variant, patches[index], now)
            elif deltas is not None:
                _shift(product, variant, deltas[index], now)
            if return_entity:
                result["item"] = v3_item(site, product, variant)
        results.append(result)
    total_failures = sum(1 for o in outcomes if o.code)
    return {
        "results": results,
        "bulkActionMetadata": {
            "totalSuccesses": len(outcomes) - total_failures,
            "totalFailures": total_failures,
            "undetailedFailures": 0,
        },
    }


def _shift(product: Product, variant: Variant, delta: int, now: float) -> None:
    variant.quantity += delta
    if delta < 0 and variant.preorder_enabled and variant.quantity < 0:
        variant.preorder_counter += min(-delta, -variant.quantity)
    touch_variant(product, variant, now)


def _plan_update(sb: WixSandbox, site: Site, body: BulkUpdateBody) -> list[Outcome]:
    outcomes = []
    for index, masked in enumerate(body.inventory_items):
        item = masked.inventoryItem
        field = f"inventoryItems[{index}].inventoryItem"
        if not item.id or item.revision is None:
            raise invalid(field, "inventoryItem.id and inventoryItem.revision are required")
        check_quantity(item, field)
        target = site.item(item.id)
        if target is None:
            outcomes.append(Outcome(item.id, None, "NOT_FOUND", "Inventory item not found", 404))
        elif stale(target[1], item.revision):
            if sb.options.v3_revision_conflict == "request_409":
                raise WixSandboxError(
                    409,
                    "entity has already changed since the requested revision",
                    code="REVISION_MISMATCH",
                    data={"id": item.id},
                )
            outcomes.append(Outcome(item.id, target, "REVISION_MISMATCH", "stale revision", 409))
        elif item.quantity is not None and item.quantity < 0:
            outcomes.append(
                Outcome(
                    item.id,
                    target,
                    "REQUESTED_QUANTITY_MUST_BE_NON_NEGATIVE_DECREASING",
                    "quantity must not be negative",
                )
            )
        else:
            outcomes.append(Outcome(item.id, target))
    return outcomes


def v3_bulk_routes(sb: WixSandbox) -> list[HTTPRouteHandler]:
    """Route handlers for the V3 bulk inventory writes."""
    base = "/stores/v3/bulk/inventory-items"

    @post(f"{base}/update", status_code=200)
    async def bulk_update(request: Request[Any, Any, Any]) -> Doc:
        site = sb.site(request, "V3")
        body = await read_body(request, BulkUpdateBody)
        outcomes = _plan_update(sb, site, body)
        patches = [m.inventoryItem for m in body.inventory_items]
        return _finish(sb, site, outcomes, None, patches, body.return_entity)

    async def _change(request: Request[Any, Any, Any], sign: int, by_variant: bool) -> Doc:
        site = sb.site(request, "V3")
        if sign > 0:
            inc = await read_body(request, IncrementBody)
            changes, restrict, entity = inc.increment_data, False, inc.return_entity
        else:
            dec = await read_body(request, DecrementBody)
            changes, entity = dec.decrement_data, dec.return_entity
            restrict = dec.restrict_inventory is not False
        outcomes = _plan_changes(site, changes, sign, by_variant, restrict)
        deltas = [sign * ((c.increment_by if sign > 0 else c.decrement_by) or 0) for c in changes]
        return _finish(sb, site, outcomes, deltas, None, entity)

    @post(f"{base}/increment", status_code=200)
    async def increment(request: Request[Any, Any, Any]) -> Doc:
        return await _change(request, +1, by_variant=False)

    @post(f"{base}/decrement", status_code=200)
    async def decrement(request: Request[Any, Any, Any]) -> Doc:
        return await _change(request, -1, by_variant=False)

    @post(f"{base}/increment-by-variant-and-location", status_code=200)
    async def increment_by_variant(request: Request[Any, Any, Any]) -> Doc:
        return await _change(request, +1, by_variant=True)

    @post(f"{base}/decrement-by-variant-and-location", status_code=200)
    async def decrement_by_variant(request: Request[Any, Any, Any]) -> Doc:
        return await _change(request, -1, by_variant=True)

    return [bulk_update, increment, decrement, increment_by_variant, decrement_by_variant]
