"""The seed's Wix sync endpoints, kept for the clients that call them.

`POST /warehouse/sync-wix/` and `POST /api/v1/wix/sync-inventory` start a Wix sync. `start_sync`
has no marketplace filter, so a Wix sync is one account-scoped run per active Wix account: the
answer's `task_id` is the first run's id (what the seed's clients poll) and `run_ids` lists them
all. `GET /warehouse/sync-wix/status/{task_id}` answers a run's status and counters.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from server.api.sync_schemas import WixSyncStarted, WixSyncStatus
from server.domain.product_sync import active_account_ids
from server.errors import ValidationFailedError
from server.jobs import start_sync
from server.sync import records
from server.web.guards import require_admin, require_user


async def _start_wix_sync(request: Request[Any, Any, Any]) -> WixSyncStarted:
    account_ids = await active_account_ids("wix")
    if not account_ids:
        raise ValidationFailedError("there is no active Wix account to sync")
    run_ids = [
        await start_sync(
            request.app.state.arq, trigger="api", scope="account", account_id=account_id
        )
        for account_id in account_ids
    ]
    return WixSyncStarted(task_id=run_ids[0], run_ids=run_ids, status="PENDING")


class WixCompatController(Controller):
    """The seed's paths; the general API is `/api/sync`."""

    tags = ["sync"]

    @post(
        "/warehouse/sync-wix/",
        guards=[require_admin],
        status_code=202,
        operation_id="seedSyncWix",
    )
    async def sync_wix(self, request: Request[Any, Any, Any]) -> WixSyncStarted:
        """Start a sync of every active Wix account (202); 422 when there is none."""
        return await _start_wix_sync(request)

    @post(
        "/api/v1/wix/sync-inventory",
        guards=[require_admin],
        status_code=202,
        operation_id="seedSyncWixInventory",
    )
    async def sync_inventory(self, request: Request[Any, Any, Any]) -> WixSyncStarted:
        """The same as `POST /warehouse/sync-wix/`, under the seed's v1 path."""
        return await _start_wix_sync(request)

    @get(
        "/warehouse/sync-wix/status/{task_id:int}",
        guards=[require_user],
        operation_id="seedSyncWixStatus",
    )
    async def status(self, task_id: FromPath[int]) -> WixSyncStatus:
        """A run's status and counters (404 for an unknown task id)."""
        run = await records.get_run(task_id)
        return WixSyncStatus(
            task_id=run.id,
            status=run.status,
            planned=run.planned,
            pushed=run.pushed,
            skipped=run.skipped,
            failed=run.failed,
            requests=run.requests,
            error=run.error,
        )
