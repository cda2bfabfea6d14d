"""Job payloads the engine hands to its scheduler (plain builtins on the queue, never pickles)."""

from __future__ import annotations

import msgspec

from server.sync.planner import PlanItem


class BatchJob(msgspec.Struct, kw_only=True, frozen=True):
    """One `sync_batch`: its id within the run, the planned items, and how often it waited.

    `attempt` counts re-queues of SKUs that another job had locked.
    """

    batch_id: str
    items: list[PlanItem]
    attempt: int = 0
