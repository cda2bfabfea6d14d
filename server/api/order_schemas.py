"""Request and response bodies of the orders API."""

from __future__ import annotations

from typing import Literal

import msgspec

from server.api.schemas import Input, RowId, Sku


class ResolveIn(Input):
    """The product a conflicting line sold; the line is then deducted once."""

    sku: Sku


class ImportRequest(Input):
    """Import orders now from every active account, or from one."""

    scope: Literal["all", "account"] = "all"
    account_id: RowId | None = None


class ImportQueued(msgspec.Struct, kw_only=True):
    """Accounts whose import was queued now, and those whose import was queued or running."""

    enqueued: list[int]
    already_queued: list[int]
