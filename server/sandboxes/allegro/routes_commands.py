"""REST routes for batch commands: quantity changes and publication (END / ACTIVATE)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, put
from litestar.params import FromPath

from server.sandboxes.allegro import commands, views
from server.sandboxes.allegro.gate import Caller, authorize, int_query, read_body, reply
from server.sandboxes.allegro.models import CommandKind

QUANTITY = "/sale/offer-quantity-change-commands/{command_id:str}"
PUBLICATION = "/sale/offer-publication-commands/{command_id:str}"


def _register(
    caller: Caller,
    kind: CommandKind,
    command_id: str,
    change: dict[str, object],
    ids: list[str],
) -> Response[bytes]:
    caller.runtime.limits.charge_offer_changes(kind, caller.seller.id, len(ids))
    command = commands.register(caller.store, kind, command_id, caller.seller.id, change, ids)
    return reply(views.general_report(command), 201)


@put(QUANTITY, status_code=201)
async def put_quantity_command(
    request: Request[Any, Any, Any], command_id: FromPath[str]
) -> Response[bytes]:
    """Register a quantity change (one FIXED/GAIN value for ≤ 1000 offers)."""
    caller = authorize(request)
    status = caller.store.config.command_validation_status
    commands.check_command_id(command_id, status)
    body = await read_body(request, commands.QuantityCommandBody, status)
    change = commands.quantity_change(body, status)
    ids = commands.offer_ids(body.offer_criteria, status)
    return _register(caller, "quantity", command_id, change, ids)


@put(PUBLICATION, status_code=201)
async def put_publication_command(
    request: Request[Any, Any, Any], command_id: FromPath[str]
) -> Response[bytes]:
    """Register an END or ACTIVATE for ≤ 1000 offers."""
    caller = authorize(request)
    status = caller.store.config.command_validation_status
    commands.check_command_id(command_id, status)
    body = await read_body(request, commands.PublicationCommandBody, status)
    change = commands.publication_change(body, status)
    ids = commands.offer_ids(body.offer_criteria, status)
    return _register(caller, "publication", command_id, change, ids)


def _summary(
    request: Request[Any, Any, Any], kind: CommandKind, command_id: str
) -> Response[bytes]:
    caller = authorize(request)
    command = commands.find(caller.store, kind, command_id, caller.seller.id)
    caller.runtime.limits.charge("command-reads", caller.seller.id, max(1, len(command.tasks)))
    return reply(views.general_report(command))


def _tasks(request: Request[Any, Any, Any], kind: CommandKind, command_id: str) -> Response[bytes]:
    caller = authorize(request)
    command = commands.find(caller.store, kind, command_id, caller.seller.id)
    limit = int_query(request, "limit", default=100, low=1, high=1000, status=422)
    offset = int_query(request, "offset", default=0, low=0, high=999, status=422)
    report = views.task_report(command, commands.TASK_FIELDS[kind], offset, limit)
    caller.runtime.limits.charge("command-reads", caller.seller.id, max(1, len(report["tasks"])))
    return reply(report)


@get(QUANTITY, sync_to_thread=False)
def get_quantity_command(
    request: Request[Any, Any, Any], command_id: FromPath[str]
) -> Response[bytes]:
    """A quantity command's summary (`GeneralReport`)."""
    return _summary(request, "quantity", command_id)


@get(QUANTITY + "/tasks", sync_to_thread=False)
def get_quantity_tasks(
    request: Request[Any, Any, Any], command_id: FromPath[str]
) -> Response[bytes]:
    """A quantity command's per-offer results (limit ≤ 1000, offset ≤ 999)."""
    return _tasks(request, "quantity", command_id)


@get(PUBLICATION, sync_to_thread=False)
def get_publication_command(
    request: Request[Any, Any, Any], command_id: FromPath[str]
) -> Response[bytes]:
    """A publication command's summary."""
    return _summary(request, "publication", command_id)


@get(PUBLICATION + "/tasks", sync_to_thread=False)
def get_publication_tasks(
    request: Request[Any, Any, Any], command_id: FromPath[str]
) -> Response[bytes]:
    """A publication command's per-offer results."""
    return _tasks(request, "publication", command_id)
