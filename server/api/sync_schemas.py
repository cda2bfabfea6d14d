"""Request and response bodies of the sync API."""

from __future__ import annotations

from typing import Literal

import msgspec

from server.api.schemas import RowId


class SyncRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Start a sync of everything, one account or one SKU; a dry run only plans."""

    scope: Literal["all", "account", "sku"] = "all"
    account_id: RowId | None = None
    sku: str | None = None
    dry_run: bool = False


class SyncStarted(msgspec.Struct, kw_only=True):
    """A run that was recorded and queued."""

    run_id: int
    status: str


class SyncSwitch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Turn a product's sync on or off."""

    is_sync_enabled: bool


class SyncSwitchResult(msgspec.Struct, kw_only=True):
    """A product's sync state after the change."""

    sku: str
    is_sync_enabled: bool


class WixSyncStarted(msgspec.Struct, kw_only=True):
    """The seed's answer: `task_id` is the first run; `run_ids` lists one run per Wix account."""

    task_id: int
    run_ids: list[int]
    status: str


class WixSyncStatus(msgspec.Struct, kw_only=True):
    """The seed's status answer: a run's state and counters."""

    task_id: int
    status: str
    planned: int
    pushed: int
    skipped: int
    failed: int
    requests: int
    error: str | None
