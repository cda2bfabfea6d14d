"""Pushing absolute stock values to many offers with as few requests as Allegro allows.

Plan (DESIGN §5, field notes §5): offers going to 0 are ENDed by publication command (FIXED
cannot be 0); offers going to N ≥ 1 are grouped by N into quantity commands of ≤ 1000 offers;
offers marked `activate` (ended, now restocked) are ACTIVATEd only after their quantity task
succeeded, because activation needs stock > 0 and the two commands are processed asynchronously
[#10251]. Every offer gets one `PushResult`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from server.marketplaces.allegro.commands import MAX_COMMAND_OFFERS, AllegroCommands
from server.marketplaces.allegro.models import CommandTask


@dataclass(frozen=True)
class StockTarget:
    """One offer's wanted quantity; `activate` publishes it again after a restock."""

    offer_id: str
    quantity: int
    activate: bool = False


@dataclass
class PushResult:
    """What happened to one offer."""

    offer_id: str
    quantity: int
    ok: bool
    ended: bool = False
    activated: bool = False
    error_codes: list[str] = field(default_factory=list)
    message: str = ""


def _record(results: dict[str, PushResult], tasks: Sequence[CommandTask]) -> list[str]:
    """Apply task outcomes to results; the ids whose task succeeded."""
    succeeded: list[str] = []
    for task in tasks:
        result = results.get(task.offer.id)
        if result is None:
            continue
        if task.status == "SUCCESS":
            succeeded.append(task.offer.id)
        else:
            result.ok = False
            result.error_codes.extend(error.code for error in task.errors)
            result.message = task.message or "; ".join(e.message for e in task.errors)
    return succeeded


class AllegroPush(AllegroCommands):
    """`push_stock`: absolute quantities for many offers via commands."""

    async def push_stock(self, targets: Sequence[StockTarget]) -> list[PushResult]:
        """Set every target's stock; END at 0, ACTIVATE on request once restocked."""
        if any(target.quantity < 0 for target in targets):
            raise ValueError("quantities must not be negative")
        if len({target.offer_id for target in targets}) != len(targets):
            raise ValueError("each offer may appear once")
        results = {t.offer_id: PushResult(t.offer_id, t.quantity, ok=True) for t in targets}
        groups: dict[int, list[str]] = defaultdict(list)
        for target in targets:
            groups[target.quantity].append(target.offer_id)
        submitted = []
        for quantity, offer_ids in sorted(groups.items()):
            for start in range(0, len(offer_ids), MAX_COMMAND_OFFERS):
                chunk = offer_ids[start : start + MAX_COMMAND_OFFERS]
                if quantity == 0:
                    submitted.append(await self.submit_publication(chunk, "END"))
                else:
                    submitted.append(await self.submit_quantity(chunk, quantity))
        succeeded = set(_record(results, await self.run_commands(submitted)))
        for offer_id in succeeded:
            results[offer_id].ended = results[offer_id].quantity == 0
        to_activate = [t.offer_id for t in targets if t.activate and t.quantity > 0]
        to_activate = [offer_id for offer_id in to_activate if offer_id in succeeded]
        if to_activate:
            activated = set(
                _record(results, await self.change_publication(to_activate, "ACTIVATE"))
            )
            for offer_id in activated:
                results[offer_id].activated = True
        return [results[target.offer_id] for target in targets]
