"""`/api/sync`, `/api/drift` and the product sync switch: start syncs and read their records.

Starting a sync records a PENDING run and enqueues its top job by name; the worker takes it from
there and reports progress over `/api/sync/events` (`server.api.sync_events`).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.deps import api_actor
from server.api.sync_schemas import SyncRequest, SyncStarted, SyncSwitch, SyncSwitchResult
from server.domain import product_sync
from server.domain.drift import DriftPage, list_drift
from server.domain.validation import MAX_ID
from server.jobs import start_sync
from server.sync import records
from server.sync.records import ItemPage, ItemStatus, RunPage, RunStatus, SyncRunRecord
from server.web.guards import require_admin, require_user


class SyncController(Controller):
    """Sync runs: start one, list them, read one and its per-listing results."""

    path = "/api"
    tags = ["sync"]

    @post("/sync", guards=[require_admin], status_code=202, operation_id="startSync")
    async def start(
        self, request: Request[Any, Any, Any], data: JSONBody[SyncRequest]
    ) -> SyncStarted:
        """Record and queue a run (202); 404 naming `account_id` or `sku` if it is unknown."""
        await product_sync.check_sync_target(data.scope, data.account_id, data.sku)
        run_id = await start_sync(
            request.app.state.arq,
            trigger="api",
            scope=data.scope,
            account_id=data.account_id,
            sku=data.sku or None,
            dry_run=data.dry_run,
        )
        return SyncStarted(run_id=run_id, status="PENDING")

    @get("/sync/runs", guards=[require_user], operation_id="listSyncRuns")
    async def list_runs(
        self,
        status: FromQuery[RunStatus | None] = None,
        before: Annotated[
            int | None, QueryParameter(ge=1, le=MAX_ID, description="a run id")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 20,
    ) -> RunPage:
        """Runs newest first; pass `next_before` back as `before` for the next page."""
        return await records.list_runs(limit=limit, before=before, status=status)

    @get("/sync/runs/{run_id:int}", guards=[require_user], operation_id="getSyncRun")
    async def get_run(self, run_id: FromPath[int]) -> SyncRunRecord:
        """One run with its counters."""
        return await records.get_run(run_id)

    @get("/sync/runs/{run_id:int}/items", guards=[require_user], operation_id="listSyncItems")
    async def list_items(
        self,
        run_id: FromPath[int],
        status: FromQuery[ItemStatus | None] = None,
        after: Annotated[
            int | None, QueryParameter(ge=0, le=MAX_ID, description="an item id")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> ItemPage:
        """A run's per-listing results in planned order; pass `next_cursor` back as `after`."""
        await records.get_run(run_id)
        return await records.list_run_items(run_id, status=status, limit=limit, after=after)

    @patch("/products/{sku:str}/sync", guards=[require_admin], operation_id="setProductSync")
    async def set_sync(
        self, request: Request[Any, Any, Any], sku: FromPath[str], data: JSONBody[SyncSwitch]
    ) -> SyncSwitchResult:
        """Switch a product's sync on or off (recorded as SYNC_TOGGLE); 404 for an unknown SKU."""
        enabled = await product_sync.set_sync_enabled(
            sku, data.is_sync_enabled, actor=api_actor(request)
        )
        return SyncSwitchResult(sku=sku, is_sync_enabled=enabled)

    @get("/drift", guards=[require_user], operation_id="listDrift")
    async def drift(
        self,
        account_id: Annotated[
            int | None, QueryParameter(ge=1, le=MAX_ID, description="a marketplace account")
        ] = None,
        after: Annotated[
            int | None, QueryParameter(ge=0, le=MAX_ID, description="a listing id")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> DriftPage:
        """Listings whose marketplace quantity differs from sellable; `next_after` pages on."""
        return await list_drift(account_id=account_id, after=after, limit=limit)
