"""Sync pages: the overview with live progress, one run's results, and the drift list.

Live progress is rendered server-side from the Redis snapshots (so the pages work without
JavaScript) and then kept current by `static/sync.js` over `/api/sync/events`.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.context import FormError, redirect_with_flash, render
from server.dashboard.forms import form_values, whole_number
from server.domain.accounts import list_accounts
from server.domain.drift import list_drift
from server.domain.product_sync import check_sync_target
from server.errors import DomainError, ValidationFailedError
from server.jobs import Scope, start_sync
from server.sync import records
from server.sync.progress import RunProgress, active_progress, latest_progress, progress_from_run
from server.web.guards import require_admin, require_user

RECENT_RUNS = 20
RECENT_FAILURES = 10
ITEMS_PAGE = 100
DRIFT_PAGE = 100
ITEM_STATUSES: dict[str, records.ItemStatus] = {
    "PENDING": "PENDING",
    "COMPLETED": "COMPLETED",
    "SKIPPED": "SKIPPED",
    "FAILED": "FAILED",
}
SCOPES: dict[str, Scope] = {"all": "all", "account": "account", "sku": "sku"}


def chart_points(runs: list[records.SyncRunRecord]) -> list[dict[str, Any]]:
    """Requests and pushes per run, oldest first, for the chart on the overview."""
    return [
        {
            "run": run.id,
            "label": f"#{run.id} {run.created_at:%m-%d %H:%M}",
            "requests": run.requests,
            "pushed": run.pushed,
        }
        for run in reversed(runs)
    ]


async def _overview(
    request: Request[Any, Any, Any], *, form_error: FormError | None = None, status: int = 200
) -> Template:
    runs = await records.list_runs(limit=RECENT_RUNS)
    return render(
        request,
        "sync.html",
        status=status,
        nav="sync",
        active=await active_progress(request.app.state.redis),
        runs=runs.items,
        failures=(await records.list_failures(limit=RECENT_FAILURES)).items,
        accounts=await list_accounts(active=True),
        chart=chart_points(runs.items),
        form_error=form_error,
    )


@get("/sync", name="dashboard:sync", guards=[require_user], include_in_schema=False)
async def sync_overview(request: Request[Any, Any, Any]) -> Template:
    """Running syncs (live), a form to start one, recent runs and failures, and a chart."""
    return await _overview(request)


def _target(values: dict[str, str]) -> tuple[Scope, int | None, str | None]:
    scope = SCOPES.get(values["scope"] or "all")
    if scope is None:
        raise ValidationFailedError("choose what to sync", field="scope")
    account_id = whole_number(values, "account_id", "Account") if scope == "account" else None
    sku = values["sku"] if scope == "sku" else None
    return scope, account_id, sku or None


@post("/sync", guards=[require_admin], include_in_schema=False)
async def sync_start(
    request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]
) -> Template | Redirect:
    """Start a sync from the form; a refused scope re-renders the form with the reason."""
    values = form_values(data, "scope", "account_id", "sku", "dry_run")
    try:
        scope, account_id, sku = _target(values)
        await check_sync_target(scope, account_id, sku)
        run_id = await start_sync(
            request.app.state.arq,
            trigger="dashboard",
            scope=scope,
            account_id=account_id,
            sku=sku,
            dry_run=bool(values["dry_run"]),
        )
    except DomainError as error:
        form_error = FormError.from_domain("sync", error, values)
        return await _overview(request, form_error=form_error, status=error.status_code)
    return redirect_with_flash("/sync", f"Sync run #{run_id} queued.")


async def run_progress(request: Request[Any, Any, Any], run: records.SyncRunRecord) -> RunProgress:
    """The run's live snapshot, or one made from its record once the snapshot has expired."""
    snapshot = await latest_progress(request.app.state.redis, run.id)
    return snapshot if snapshot is not None else progress_from_run(run)


@get(
    "/sync/runs/{run_id:int}", name="dashboard:run", guards=[require_user], include_in_schema=False
)
async def run_detail(
    request: Request[Any, Any, Any],
    run_id: FromPath[int],
    status: Annotated[str, QueryParameter(max_length=16)] = "",
    after: Annotated[int | None, QueryParameter(ge=0)] = None,
) -> Template:
    """One run: counters, live progress, and its per-listing results (paged, by status)."""
    run = await records.get_run(run_id)
    chosen = ITEM_STATUSES.get(status)
    items = await records.list_run_items(run_id, status=chosen, limit=ITEMS_PAGE, after=after)
    return render(
        request,
        "run.html",
        nav="sync",
        run=run,
        progress=await run_progress(request, run),
        items=items,
        item_status=chosen or "",
        statuses=list(ITEM_STATUSES),
        paged=after is not None,
    )


@get("/drift", name="dashboard:drift", guards=[require_user], include_in_schema=False)
async def drift_page(
    request: Request[Any, Any, Any],
    account: Annotated[int | None, QueryParameter(ge=1)] = None,
    after: Annotated[int | None, QueryParameter(ge=0)] = None,
) -> Template:
    """Listings whose marketplace quantity differs from what the warehouse can sell."""
    return render(
        request,
        "drift.html",
        nav="drift",
        page=await list_drift(account_id=account, after=after, limit=DRIFT_PAGE),
        accounts=await list_accounts(),
        account=account,
        paged=after is not None,
    )
