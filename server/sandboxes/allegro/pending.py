"""Settling the sandbox's asynchronous work as its clock passes.

Nothing runs in the background: every REST request first calls `settle`, which applies each
accepted (202) PATCH whose time has come and moves every pending command forward. Tests move the
sandbox clock instead of sleeping.
"""

from __future__ import annotations

from server.sandboxes.allegro import commands
from server.sandboxes.allegro.models import Command
from server.sandboxes.allegro.offers_logic import apply_patch
from server.sandboxes.allegro.store import AllegroStore


def settle(store: AllegroStore) -> None:
    """Apply every due 202 PATCH and advance every pending command."""
    now = store.now()
    for offer_id, operation_id in list(store.busy_offers.items()):
        operation = store.operations[operation_id]
        if operation.due_at <= now:
            apply_patch(store, store.offers[offer_id], operation.patch)
            operation.applied = True
            del store.busy_offers[offer_id]
    still_pending: list[Command] = []
    for command in store.pending_commands:
        commands.advance(store, command, now)
        if command.completed_at is None:
            still_pending.append(command)
    store.pending_commands = still_pending
