"""Pushing planned quantities to one Wix site with as few requests as its API allows.

Catalog V1 has no bulk absolute write (Update Inventory Variants is one PATCH per product), so a
batch goes out as at most one increment and one decrement call per 300 items, with deltas
computed from `fresh_state` — **a read made while the caller holds the batch's SKU locks**
(`read_wix_state`). Where one PATCH per product is no more calls (a few products with several
changed variants), the absolute write is used instead; a variant never gets both. Relative calls
are not retried by the HTTP layer, so after a failure this module waits as the retry policy says
(429: at least its minimum, 5xx: backoff), reads the items again and recomputes their deltas: an
old delta is never replayed, and a change that landed despite the error is not applied twice.
A refusal that waiting does not cure (4xx) and that survives a fresh read is isolated in the
last round, one PATCH per product, so one bad product cannot keep the others from being written.

Catalog V3: one bulk update per 1,000 items, absolute, with the revisions of `fresh_state` (the
read pass's state is enough: Wix refuses a stale revision, and the client re-reads and retries).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from server.marketplaces.wix.client import WixClient
from server.marketplaces.wix.crawl import FILTER_CHUNK, V1_PAGE_SIZE, V3_ITEMS_PAGE_SIZE
from server.marketplaces.wix.errors import WixApiError, WixInputError
from server.marketplaces.wix.models import WixInventoryUpdate
from server.sync.outcomes import BatchResult, PushOutcome, RequestMeter
from server.sync.planner import (
    WIX_V1_RELATIVE_LIMIT,
    PlanItem,
    WixItemState,
    WixKey,
    wix_state_from_rows,
)

ROUNDS = 3
"""V1 write rounds per push (each after a fresh read); what is left is FAILED."""
_V1_SORT = '[{"numericId": "asc"}]'
WriteError = WixApiError | WixInputError
State = Mapping[WixKey, WixItemState]


async def read_wix_state(
    client: WixClient, items: Sequence[PlanItem]
) -> dict[WixKey, WixItemState]:
    """Current stock of the items' products: one request per 100 products (more if V3 pages fill).

    Call it while holding the items' SKU locks to get the `fresh_state` a V1 push needs.
    """
    v1 = await client.session.catalog() == "V1"
    limit = V1_PAGE_SIZE if v1 else V3_ITEMS_PAGE_SIZE
    products = list(dict.fromkeys(item.wix_product_id for item in items if item.wix_product_id))
    state: dict[WixKey, WixItemState] = {}
    for start in range(0, len(products), FILTER_CHUNK):
        chunk = products[start : start + FILTER_CHUNK]
        wanted = {item.wix_key for item in items if item.wix_product_id in chunk}
        offset = 0
        while True:
            page = await client.query_inventory(
                product_ids=chunk, sort_str=_V1_SORT if v1 else None, limit=limit, offset=offset
            )
            rows = [row for found in page.inventory_items for row in found.stock_rows()]
            for key, value in wix_state_from_rows(rows).items():
                state.setdefault(key, value)
            if len(page.inventory_items) < limit or wanted <= state.keys():
                break
            offset += limit
    return state


async def push_wix_batch(
    client: WixClient, items: Sequence[PlanItem], fresh_state: State
) -> BatchResult:
    """Bring every item to its target; one `PushOutcome` per item, in order, and the cost.

    The caller must hold the items' SKU locks, and for V1 `fresh_state` must have been read
    under them (`read_wix_state`). Never raises for marketplace errors: they become FAILED.
    """
    if len({item.listing_id for item in items}) != len(items):
        raise ValueError("each listing may appear once in a batch")
    meter = RequestMeter(client.session.http.stats)
    push = _WixPush(client, items, fresh_state)
    try:
        v1 = await client.session.catalog() == "V1"
    except WixApiError as error:
        push.fail(items, _describe(error))
    else:
        await (push.run_v1() if v1 else push.run_v3())
    return meter.charge(BatchResult(outcomes=[push.done[item.listing_id] for item in items]))


def _describe(error: WriteError) -> str:
    if isinstance(error, WixApiError) and error.code:
        return f"{error.code}: {error.message}"
    return str(error)


def _retryable(error: WriteError) -> bool:
    return isinstance(error, WixApiError) and error.retryable


class _WixPush:
    """One push: the items, what Wix showed before, and the outcomes so far."""

    def __init__(self, client: WixClient, items: Sequence[PlanItem], state: State) -> None:
        self.client, self.items, self.state = client, list(items), state
        self.before = {item.listing_id: self.shown(state, item) for item in items}
        self.done: dict[int, PushOutcome] = {}

    @staticmethod
    def shown(state: State, item: PlanItem) -> int | None:
        found = state.get(item.wix_key)
        return found.quantity if found is not None else item.before

    def fail(self, items: Sequence[PlanItem], why: str) -> None:
        for item in items:
            before = self.before[item.listing_id]
            self.done[item.listing_id] = PushOutcome(
                listing_id=item.listing_id,
                status="FAILED",
                marketplace_quantity_before=before,
                error=why,
            )

    def complete(self, items: Sequence[PlanItem]) -> None:
        for item in items:
            self.done[item.listing_id] = PushOutcome(
                listing_id=item.listing_id,
                status="COMPLETED",
                new_quantity=item.target,
                marketplace_quantity_before=self.before[item.listing_id],
            )

    def settle(self, items: Sequence[PlanItem], state: State) -> list[PlanItem]:
        """Record items already at target or not writable; return those still to write."""
        pending = []
        for item in items:
            found = state.get(item.wix_key)
            if found is None:
                self.fail([item], "item not found on Wix")
            elif not found.track_quantity:
                self.fail([item], "Wix does not track this item's quantity")
            elif found.quantity == item.target:
                self.complete([item])
            else:
                pending.append(item)
        return pending

    async def run_v1(self) -> None:
        """Write rounds with a wait and a fresh read between them (module docstring)."""
        pending, state = self.items, self.state
        errors: list[WriteError] = []
        for round_no in range(1, ROUNDS + 1):
            pending = self.settle(pending, state)
            if not pending:
                return
            # A refusal that survived a fresh read and recomputed deltas: one PATCH per product.
            isolate = round_no == ROUNDS and any(not _retryable(e) for e in errors)
            pending, errors = await self.v1_round(pending, state, absolute=isolate)
            if not pending:
                return
            if round_no < ROUNDS:
                await self.pause(errors, round_no)
            try:
                state = await read_wix_state(self.client, pending)
            except WixApiError as error:
                errors.append(error)
                break
        else:
            pending = self.settle(pending, state)
        self.fail(pending, "; ".join(dict.fromkeys(_describe(e) for e in errors)))

    async def pause(self, errors: list[WriteError], round_no: int) -> None:
        """Wait before the next round as the HTTP layer would before repeating a request."""
        policy = self.client.session.http.retry
        delays = [
            policy.delay(round_no, retry_after=error.retry_after, status=error.status)
            for error in errors
            if isinstance(error, WixApiError) and error.retryable
        ]
        if delays:
            await policy.sleep(max(delays))

    async def v1_round(
        self, items: list[PlanItem], state: State, *, absolute: bool
    ) -> tuple[list[PlanItem], list[WriteError]]:
        """Relative or absolute, whichever takes fewer calls; the items not written, and why."""
        current = {item.listing_id: state[item.wix_key].quantity for item in items}
        unknown = [item for item in items if current[item.listing_id] is None]
        known = [(item, q) for item in items if (q := current[item.listing_id]) is not None]
        up = [item for item, quantity in known if item.target > quantity]
        down = [item for item, quantity in known if item.target < quantity]
        relative_calls = (
            math.ceil(len(up) / WIX_V1_RELATIVE_LIMIT)
            + math.ceil(len(down) / WIX_V1_RELATIVE_LIMIT)
            + len({item.wix_product_id for item in unknown})
        )
        if absolute or len({item.wix_product_id for item in items}) <= relative_calls:
            return await self.v1_absolute(items)
        failed, errors = await self.v1_absolute(unknown)
        for group, increment in ((up, True), (down, False)):
            if not group:
                continue
            try:
                updates = [
                    WixInventoryUpdate(
                        product_id=item.wix_product_id,
                        variant_id=item.wix_variant_id or "",
                        quantity=abs(item.target - (current[item.listing_id] or 0)),
                    )
                    for item in group
                ]
                await self.client.update_inventory(updates, increment=increment)
            except (WixApiError, WixInputError) as error:
                failed, errors = [*failed, *group], [*errors, error]
            else:
                self.complete(group)
        return failed, errors

    async def v1_absolute(
        self, items: Sequence[PlanItem]
    ) -> tuple[list[PlanItem], list[WriteError]]:
        """One PATCH per product (each retried by the HTTP layer); the items not written."""
        by_product: dict[str, list[PlanItem]] = {}
        for item in items:
            by_product.setdefault(item.wix_product_id or "", []).append(item)
        failed: list[PlanItem] = []
        errors: list[WriteError] = []
        for product_id, group in by_product.items():
            try:
                updates = [
                    WixInventoryUpdate(
                        product_id=product_id,
                        variant_id=item.wix_variant_id or "",
                        quantity=item.target,
                    )
                    for item in group
                ]
                await self.client.set_inventory(updates)
            except (WixApiError, WixInputError) as error:
                failed, errors = [*failed, *group], [*errors, error]
            else:
                self.complete(group)
        return failed, errors

    async def run_v3(self) -> None:
        """Bulk update (≤ 1,000 a call) with revisions; per-item refusals become FAILED."""
        pending = self.settle(self.items, self.state)
        if not pending:
            return
        try:
            updates = [self.v3_update(item) for item in pending]
            result = await self.client.set_inventory(updates)
        except (WixApiError, WixInputError) as error:
            await self.verify(pending, _describe(error))
            return
        refused: dict[str, str] = {}
        for failure in result.failures:
            why = f"{failure.code or 'FAILED'}: {failure.description or 'refused by Wix'}"
            for ident in (failure.inventory_item_id, failure.variant_id):
                if ident:
                    refused[ident] = why
        for item, update in zip(pending, updates, strict=True):
            why_not = refused.get(update.inventory_item_id or "") or refused.get(update.variant_id)
            if why_not is None:
                self.complete([item])
            else:
                self.fail([item], why_not)

    def v3_update(self, item: PlanItem) -> WixInventoryUpdate:
        found = self.state[item.wix_key]
        return WixInventoryUpdate(
            product_id=found.product_id,
            variant_id=found.variant_id,
            inventory_item_id=found.inventory_item_id or item.wix_inventory_item_id,
            revision=found.revision,
            quantity=item.target,
        )

    async def verify(self, items: list[PlanItem], error: str) -> None:
        """After a failed write, read once: items already at target count as done."""
        try:
            state = await read_wix_state(self.client, items)
        except WixApiError:
            state = {}
        self.complete([item for item in items if self.shown(state, item) == item.target])
        self.fail([item for item in items if item.listing_id not in self.done], error)
