"""Quantity-change and publication commands: validation, registration and delayed execution.

Contract §6: the client names the command (a UUID) and PUTs it; the answer is 201 with an all-zero
`GeneralReport`; tasks appear later (status NEW, counts still 0 before that [#1766, #3827]) and
finish as SUCCESS/FAIL, after which `completedAt` is set. One modification applies to every offer;
at most 1000 offers per command; FIXED needs a value ≥ 1 (`INCORRECT_QUANTITY_VALUE` otherwise
[#1715]); offers that are not the seller's fail per task (`OFFER_NOT_FOUND`), not on the PUT.
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from server.sandboxes.allegro.errors import error_item, rest_error, validation_error
from server.sandboxes.allegro.models import Command, CommandKind, CommandTask, Offer
from server.sandboxes.allegro.store import AllegroStore

MAX_OFFERS = 1000
TASK_FIELDS: dict[CommandKind, str] = {
    "quantity": "quantity",  # observed [#2150, #4241]
    "publication": "publication.status",  # not documented [inferred]
}


class OfferRef(msgspec.Struct):
    """`OfferId`."""

    id: str


class Criterion(msgspec.Struct):
    """`OfferCriterium` (only `CONTAINS_OFFERS` exists)."""

    offers: list[OfferRef] = msgspec.field(default_factory=list)
    type: str = "CONTAINS_OFFERS"


class QuantityModification(msgspec.Struct, rename="camel"):
    """`QuantityModification`."""

    change_type: str
    value: int


class QuantityCommandBody(msgspec.Struct, rename="camel"):
    """`OfferQuantityChangeCommand`."""

    modification: QuantityModification
    offer_criteria: list[Criterion]


class PublicationModification(msgspec.Struct, rename="camel"):
    """`Publication_modification`."""

    action: str
    scheduled_for: str | None = None


class PublicationCommandBody(msgspec.Struct, rename="camel"):
    """`PublicationChangeCommandDto`."""

    publication: PublicationModification
    offer_criteria: list[Criterion]


def offer_ids(criteria: list[Criterion], status: int) -> list[str]:
    """The offers a command names; at most 1000 in all [spec, #749]."""
    ids: list[str] = []
    for index, criterion in enumerate(criteria):
        if criterion.type != "CONTAINS_OFFERS":
            raise validation_error(
                status, "Unsupported criteria type", f"offerCriteria[{index}].type"
            )
        ids.extend(ref.id for ref in criterion.offers)
        if len(ids) > MAX_OFFERS:
            raise validation_error(
                status, "size must be between 0 and 1000", f"offerCriteria[{index}].offers"
            )
    if not ids:
        raise validation_error(status, "size must be between 1 and 1000", "offerCriteria")
    return ids


def quantity_change(body: QuantityCommandBody, status: int) -> dict[str, object]:
    """Check the modification: FIXED ≥ 1, GAIN any integer."""
    change = body.modification
    if change.change_type not in ("FIXED", "GAIN"):
        raise validation_error(
            status, "changeType must be FIXED or GAIN", "modification.changeType"
        )
    if change.change_type == "FIXED" and change.value < 1:
        raise rest_error(
            status,
            "INCORRECT_QUANTITY_VALUE",
            "Incorrect value of quantity",
            user_message="Niepoprawna liczba sztuk",
            path="modification.value",
        )
    return {"changeType": change.change_type, "value": change.value}


def publication_change(body: PublicationCommandBody, status: int) -> dict[str, object]:
    """Check the action: ACTIVATE or END."""
    if body.publication.action not in ("ACTIVATE", "END"):
        raise validation_error(status, "action must be ACTIVATE or END", "publication.action")
    return {"action": body.publication.action}


def check_command_id(command_id: str, status: int) -> None:
    """Command ids are client-made UUIDs [#8616]."""
    try:
        uuid.UUID(command_id)
    except ValueError:
        raise validation_error(status, "Command id must be a UUID", "commandId") from None


def register(
    store: AllegroStore,
    kind: CommandKind,
    command_id: str,
    seller_id: str,
    change: dict[str, object],
    ids: list[str],
) -> Command:
    """Store a new command, or answer a reused id (409, or the same command when idempotent)."""
    body = msgspec.json.encode({"change": change, "offers": ids})
    existing = store.commands.get((kind, command_id))
    if existing is not None:
        same = existing.body == body and existing.seller_id == seller_id
        if same and store.config.command_reuse_same_body == "idempotent":
            return existing
        code = (
            "COMMAND_ALREADY_REGISTERED"
            if same
            else "COMMAND_ALREADY_REGISTERED_WITH_DIFFERENT_CONTENT"
        )
        raise rest_error(409, code, "Command id was already used")
    now = store.now()
    delay = dt.timedelta(seconds=store.config.command_delay_s)
    command = Command(
        id=command_id,
        kind=kind,
        seller_id=seller_id,
        body=body,
        change=change,
        offer_ids=ids,
        created_at=now,
        visible_at=now + delay / 2,
        due_at=now + delay,
    )
    store.commands[(kind, command_id)] = command
    store.pending_commands.append(command)
    return command


def find(store: AllegroStore, kind: CommandKind, command_id: str, seller_id: str) -> Command:
    """A seller's command; 404 `COMMAND_NOT_FOUND` otherwise [#12169, #9814]."""
    command = store.commands.get((kind, command_id))
    if command is None or command.seller_id != seller_id:
        raise rest_error(404, "COMMAND_NOT_FOUND", "Command not found.")
    return command


def advance(store: AllegroStore, command: Command, now: dt.datetime) -> None:
    """Make the command's tasks visible, then run them, as the sandbox clock passes."""
    if not command.tasks and now >= command.visible_at:
        command.tasks = [CommandTask(offer_id=offer_id) for offer_id in command.offer_ids]
    if command.completed_at is None and now >= command.due_at:
        for task in command.tasks:
            _run(store, command, task)
        command.completed_at = now


def _fail(task: CommandTask, code: str, message: str) -> None:
    task.status = "FAIL"
    task.message = message
    task.errors = [error_item(code, message)]


def _run(store: AllegroStore, command: Command, task: CommandTask) -> None:
    offer = store.offers.get(task.offer_id)
    if offer is None or offer.seller_id != command.seller_id:
        _fail(task, "OFFER_NOT_FOUND", "Offer not found.")
        return
    problem = (
        _quantity(store, command, offer)
        if command.kind == "quantity"
        else _publish(store, command, offer)
    )
    if problem is None:
        task.status = "SUCCESS"
    else:
        _fail(task, *problem)


def _quantity(store: AllegroStore, command: Command, offer: Offer) -> tuple[str, str] | None:
    value = int(str(command.change["value"]))
    target = value if command.change["changeType"] == "FIXED" else offer.available + value
    if target < 0:
        # What Allegro does when GAIN would go below zero is undocumented [inferred].
        return ("INCORRECT_QUANTITY_VALUE", "Incorrect value of quantity")
    # A quantity reaching 0 ends the offer like any other stock change [inferred]; a FIXED value
    # is always ≥ 1 and never re-activates an ENDED offer [#10487].
    store.set_stock(offer, target)
    return None


def _publish(store: AllegroStore, command: Command, offer: Offer) -> tuple[str, str] | None:
    if command.change["action"] == "END":
        if offer.status != "ENDED":
            store.end(offer, "USER")
        return None
    reason = store.activate(offer)
    return None if reason is None else ("VALIDATION_ERROR", reason)
