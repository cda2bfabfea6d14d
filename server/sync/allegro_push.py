"""Pushing planned quantities to one Allegro seller with quantity and publication commands.

One quantity command per distinct target ≥ 1 (FIXED, ≤ 1,000 offers each: a command carries one
value); target 0 ENDs the offer by publication command (FIXED cannot be 0); an ENDED offer going
back on sale gets its quantity command first and, once that task succeeded, an ACTIVATE
(activation needs stock > 0 and commands run asynchronously). A listing counts as pushed only when
its tasks report SUCCESS: every command is polled (concurrently) until Allegro has finished it.
Commands set absolute values, so a repeated push never double-counts; a PUT repeated after a lost
answer is recognised by the client (409 on its own command id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

from server.marketplaces.allegro.client import AllegroClient
from server.marketplaces.allegro.commands import SubmittedCommand
from server.marketplaces.allegro.models import CommandTask
from server.marketplaces.errors import MarketplaceError
from server.sync.outcomes import BatchResult, PushOutcome, RequestMeter
from server.sync.planner import ALLEGRO_COMMAND_LIMIT, PlanItem

Action = int | Literal["END", "ACTIVATE"]
"""A quantity (FIXED value ≥ 1) or a publication action."""
Group = tuple[Action, list[PlanItem]]


async def push_allegro_batch(client: AllegroClient, items: Sequence[PlanItem]) -> BatchResult:
    """Bring every item to its target; one `PushOutcome` per item, in order, and the cost.

    The caller must hold the items' SKU locks. Never raises for marketplace errors: a refused
    command, a failed task or a command that did not finish in time make its listings FAILED
    with Allegro's message.
    """
    offers = [item.allegro_offer_id for item in items]
    if len(set(offers)) != len(items) or len({i.listing_id for i in items}) != len(items):
        raise ValueError("each listing and each offer may appear once in a batch")
    if any(item.target < 0 for item in items):
        raise ValueError("targets must not be negative")
    meter = RequestMeter(client.http.stats)
    errors: dict[int, str] = {}
    for item in items:
        if not item.allegro_offer_id:
            errors[item.listing_id] = "listing has no Allegro offer id"
    valid = [item for item in items if item.listing_id not in errors]
    succeeded = await _run(client, _first_groups(valid), errors)
    restocked = [item for item in valid if item.activate and item.listing_id in succeeded]
    activated = await _run(client, _chunked("ACTIVATE", restocked), errors)
    outcomes = []
    for item in items:
        error = errors.get(item.listing_id)
        if error is None and item.activate and item.listing_id not in activated:
            error = "offer was not activated"
        outcomes.append(
            PushOutcome(
                listing_id=item.listing_id,
                status="FAILED" if error else "COMPLETED",
                new_quantity=None if error else item.target,
                marketplace_quantity_before=item.before,
                error=error,
            )
        )
    return meter.charge(BatchResult(outcomes=outcomes))


def _chunked(action: Action, items: list[PlanItem]) -> list[Group]:
    return [
        (action, items[start : start + ALLEGRO_COMMAND_LIMIT])
        for start in range(0, len(items), ALLEGRO_COMMAND_LIMIT)
    ]


def _first_groups(items: Sequence[PlanItem]) -> list[Group]:
    """END for target 0, one quantity command per distinct target ≥ 1 (≤ 1,000 offers each)."""
    by_target: dict[int, list[PlanItem]] = {}
    for item in items:
        by_target.setdefault(item.target, []).append(item)
    groups: list[Group] = []
    for target, group in sorted(by_target.items()):
        groups.extend(_chunked("END" if target == 0 else target, group))
    return groups


async def _submit(client: AllegroClient, action: Action, offer_ids: list[str]) -> SubmittedCommand:
    if isinstance(action, int):
        return await client.submit_quantity(offer_ids, action)
    return await client.submit_publication(offer_ids, action)


async def _run(client: AllegroClient, groups: list[Group], errors: dict[int, str]) -> set[int]:
    """Submit every group's command, wait for all, record failures; the listings that succeeded."""
    submitted: list[tuple[SubmittedCommand, list[PlanItem]]] = []
    for action, group in groups:
        offer_ids = [item.allegro_offer_id or "" for item in group]
        try:
            submitted.append((await _submit(client, action, offer_ids), group))
        except MarketplaceError as error:
            _record_all(errors, group, _describe(error))
    waits = [client.wait_for_command(command) for command, _ in submitted]
    results = await asyncio.gather(*waits, return_exceptions=True)
    succeeded: set[int] = set()
    for (_, group), tasks in zip(submitted, results, strict=True):
        if isinstance(tasks, MarketplaceError):
            _record_all(errors, group, _describe(tasks))
        elif isinstance(tasks, BaseException):
            raise tasks
        else:
            succeeded |= _read_tasks(group, tasks, errors)
    return succeeded


def _read_tasks(
    group: list[PlanItem], tasks: list[CommandTask], errors: dict[int, str]
) -> set[int]:
    """Apply per-offer task results; the listings whose task succeeded."""
    by_offer = {task.offer.id: task for task in tasks}
    succeeded: set[int] = set()
    for item in group:
        task = by_offer.get(item.allegro_offer_id or "")
        if task is None:
            errors[item.listing_id] = "Allegro reported no result for this offer"
        elif task.status == "SUCCESS":
            succeeded.add(item.listing_id)
        else:
            errors[item.listing_id] = _task_message(task)
    return succeeded


def _record_all(errors: dict[int, str], group: list[PlanItem], message: str) -> None:
    for item in group:
        errors[item.listing_id] = message


def _task_message(task: CommandTask) -> str:
    """Allegro's words for a failed task: `CODE: message` per error, else the task message."""
    described = [f"{e.code}: {e.message}" if e.code else e.message for e in task.errors]
    return "; ".join(d for d in described if d) or task.message or f"task {task.status}"


def _describe(error: MarketplaceError) -> str:
    return f"{error.code}: {error.message}" if error.code else error.message
