"""Batch commands: quantity changes and publication (END / ACTIVATE), contract §6.

A command is named by a client-made UUID (uuid4) and PUT; Allegro answers 201 with all-zero
counts and works on it asynchronously. One modification applies to every offer of a command, so
offers are grouped by target value; a command holds at most 1000 offers; FIXED needs a value ≥ 1
(zero stock is reached by ENDing the offer instead). Results are read per offer from `.../tasks`
once the summary shows the command finished (`completedAt`, or every task counted). A PUT that was
repeated after a lost answer may meet 409 "command id already used": the command is then ours and
is read back instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from server.marketplaces.allegro.base import AllegroBase
from server.marketplaces.allegro.errors import AllegroApiError, AllegroTimeoutError
from server.marketplaces.allegro.models import (
    CommandTask,
    GeneralReport,
    report_decoder,
    tasks_decoder,
)

MAX_COMMAND_OFFERS = 1000
CommandKind = Literal["quantity", "publication"]
PATHS: dict[CommandKind, str] = {
    "quantity": "/sale/offer-quantity-change-commands",
    "publication": "/sale/offer-publication-commands",
}


@dataclass(frozen=True)
class SubmittedCommand:
    """A registered command and how many offers it names."""

    kind: CommandKind
    id: str
    offers: int


def _criteria(offer_ids: Sequence[str]) -> list[dict[str, object]]:
    if not offer_ids:
        raise ValueError("a command needs at least one offer")
    if len(offer_ids) > MAX_COMMAND_OFFERS:
        raise ValueError(f"a command holds at most {MAX_COMMAND_OFFERS} offers")
    return [{"type": "CONTAINS_OFFERS", "offers": [{"id": offer_id} for offer_id in offer_ids]}]


def _finished(report: GeneralReport, offers: int) -> bool:
    counts = report.task_count
    if report.completed_at is not None:
        return True
    return counts.total >= offers and counts.success + counts.failed >= counts.total > 0


class AllegroCommands(AllegroBase):
    """Quantity and publication commands: submit, wait, read per-offer results."""

    def new_command_id(self) -> str:
        """A fresh command id: a client-made UUID (uuid4) [#8616]."""
        return str(uuid.uuid4())

    async def submit_command(
        self, kind: CommandKind, body: Mapping[str, object], offers: int
    ) -> SubmittedCommand:
        """PUT a new command (uuid4 id); charges the per-seller offer-change budgets."""
        command_id = self.new_command_id()
        path = f"{PATHS[kind]}/{command_id}"
        limits = [(limiter, offers) for limiter in self.limiters.offer_changes]
        try:
            await self.call("PUT", path, body=body, idempotent=True, limits=limits)
        except AllegroApiError as error:
            if error.status != 409 or not await self._exists(kind, command_id):
                raise
            # 409 on a fresh uuid4: an earlier attempt of this PUT got through; it is ours.
        return SubmittedCommand(kind, command_id, offers)

    async def _exists(self, kind: CommandKind, command_id: str) -> bool:
        try:
            await self.command_report(kind, command_id)
        except AllegroApiError:
            return False
        return True

    async def submit_quantity(
        self, offer_ids: Sequence[str], value: int, *, change_type: str = "FIXED"
    ) -> SubmittedCommand:
        """Set (FIXED, value ≥ 1) or shift (GAIN) the stock of ≤ 1000 offers to one value."""
        if change_type not in ("FIXED", "GAIN"):
            raise ValueError("change_type must be FIXED or GAIN")
        if change_type == "FIXED" and value < 1:
            raise ValueError("FIXED quantity must be at least 1; END the offer to stop selling")
        body = {
            "modification": {"changeType": change_type, "value": value},
            "offerCriteria": _criteria(offer_ids),
        }
        return await self.submit_command("quantity", body, len(offer_ids))

    async def submit_publication(
        self, offer_ids: Sequence[str], action: Literal["END", "ACTIVATE"]
    ) -> SubmittedCommand:
        """END or ACTIVATE ≤ 1000 offers."""
        body = {"publication": {"action": action}, "offerCriteria": _criteria(offer_ids)}
        return await self.submit_command("publication", body, len(offer_ids))

    async def command_report(self, kind: CommandKind, command_id: str) -> GeneralReport:
        """The command's summary (404 `COMMAND_NOT_FOUND` raises)."""
        response = await self.call("GET", f"{PATHS[kind]}/{command_id}")
        return report_decoder.decode(response.content)

    async def command_tasks(
        self, kind: CommandKind, command_id: str, *, limit: int = 1000, offset: int = 0
    ) -> list[CommandTask]:
        """One page of per-offer results (limit ≤ 1000, offset ≤ 999)."""
        params = {"limit": limit, "offset": offset}
        response = await self.call("GET", f"{PATHS[kind]}/{command_id}/tasks", params=params)
        return tasks_decoder.decode(response.content).tasks

    async def wait_for_command(self, command: SubmittedCommand) -> list[CommandTask]:
        """Poll the summary with growing pauses until done, then return every task."""
        polling = self.polling
        delay, waited = polling.command_first_delay_s, 0.0
        while waited <= polling.command_timeout_s:
            await polling.sleep(delay)
            waited += max(delay, 0.001)
            report = await self.command_report(command.kind, command.id)
            if _finished(report, command.offers):
                return await self.command_tasks(command.kind, command.id)
            delay = min(max(delay, 0.001) * polling.command_backoff, polling.command_max_delay_s)
        raise AllegroTimeoutError(
            f"Command {command.id} did not finish within {polling.command_timeout_s:.0f} s."
        )

    async def run_commands(self, commands: Sequence[SubmittedCommand]) -> list[CommandTask]:
        """Wait for several submitted commands; their tasks, in order."""
        tasks: list[CommandTask] = []
        for command in commands:
            tasks.extend(await self.wait_for_command(command))
        return tasks

    async def change_quantity(self, offer_ids: Sequence[str], value: int) -> list[CommandTask]:
        """Set every offer's stock to `value` (≥ 1): one command per 1000 offers, then results."""
        submitted = [
            await self.submit_quantity(offer_ids[start : start + MAX_COMMAND_OFFERS], value)
            for start in range(0, len(offer_ids), MAX_COMMAND_OFFERS)
        ]
        return await self.run_commands(submitted)

    async def change_publication(
        self, offer_ids: Sequence[str], action: Literal["END", "ACTIVATE"]
    ) -> list[CommandTask]:
        """END or ACTIVATE every offer: one command per 1000 offers, then results."""
        submitted = [
            await self.submit_publication(offer_ids[start : start + MAX_COMMAND_OFFERS], action)
            for start in range(0, len(offer_ids), MAX_COMMAND_OFFERS)
        ]
        return await self.run_commands(submitted)
