"""The alerts the sync raises (issue 7), through the domain hook `server.domain.alerts`.

- `alert_marketplace_error` (from `server.connectors.alerts`, shared with the order import): a
  marketplace call that gave up on a refused login or a rate-limit block.
- `alert_run_finished`: once per run, when it closes: one alert per account whose listings
  FAILED after all retries (a summary, never one per listing), one for a run closed with an
  error, and after a cron reconciliation one when drift exceeds `DRIFT_ALERT_THRESHOLD`.
- `alert_stuck_reconciliation`: a full sync (cron or by hand) still open past the interval did
  not finish, and holds the reconciliation off.

None of these raises into the sync: `raise_alert` logs a failing listener and returns.
"""

from __future__ import annotations

import datetime as dt

from redis.asyncio import Redis

from server.connectors.alerts import alert_marketplace_error
from server.domain.alerts import Alert, raise_alert
from server.domain.drift import count_drift
from server.settings import get_settings
from server.sync.records import SyncRunRecord, failures_by_account

ALERTED_KEY = "stockbridge:sync:alerted:{run_id}"
ALERTED_TTL_S = 2 * 24 * 3600
__all__ = [
    "alert_marketplace_error",
    "alert_run_finished",
    "alert_stuck_reconciliation",
]


async def _first_to_see(redis: Redis, run_id: int) -> bool:
    """True for exactly one caller per run (several jobs may see the same run finish)."""
    key = ALERTED_KEY.format(run_id=run_id)
    return bool(await redis.set(key, "1", nx=True, ex=ALERTED_TTL_S))


async def _alert_failures(run: SyncRunRecord) -> None:
    failures = await failures_by_account(run.id)
    for group in failures:
        await raise_alert(
            Alert(
                kind="sync_failed",
                key=f"sync_failed:{group.account_id}",
                message=(
                    f"Run #{run.id} ({run.trigger}, {run.scope}): {group.failed} listing(s) "
                    f"failed after all retries on {group.account_name}. First: {group.sku}: "
                    f"{group.error or 'no error recorded'}"
                ),
                account_id=group.account_id,
                sku=group.sku if group.failed == 1 else None,
                run_id=run.id,
            )
        )
    if run.error and not failures:
        await raise_alert(
            Alert(
                kind="sync_failed",
                key=f"sync_failed:run:{run.scope}",
                message=f"Run #{run.id} ({run.trigger}, {run.scope}) failed: {run.error}",
                sku=run.scope_sku,
                run_id=run.id,
            )
        )


async def _alert_drift(run: SyncRunRecord) -> None:
    threshold = get_settings().drift_alert_threshold
    drifting = await count_drift(limit=threshold + 1)
    if drifting > threshold:
        await raise_alert(
            Alert(
                kind="drift",
                key="drift",
                message=(
                    f"After reconciliation #{run.id}, more than {threshold} listings still "
                    "differ from what is sellable."
                ),
                run_id=run.id,
            )
        )


async def alert_run_finished(redis: Redis, run: SyncRunRecord) -> None:
    """The alerts of a closed run, raised once per run (no-op while it is still open)."""
    if run.status not in ("COMPLETED", "FAILED") or not await _first_to_see(redis, run.id):
        return
    if run.failed or run.error:
        await _alert_failures(run)
    if run.trigger == "cron":
        await _alert_drift(run)


async def alert_stuck_reconciliation(
    open_started_at: dt.datetime | None, now: dt.datetime, interval_minutes: int
) -> None:
    """Alert when the newest open full sync (cron or by hand) is open longer than the interval."""
    if open_started_at is None or now - open_started_at <= dt.timedelta(minutes=interval_minutes):
        return
    minutes = int((now - open_started_at).total_seconds() // 60)
    await raise_alert(
        Alert(
            kind="reconcile_stuck",
            key="reconcile_stuck",
            message=(
                f"The full sync started {open_started_at:%Y-%m-%d %H:%M} UTC is still open "
                f"after {minutes} minutes (interval {interval_minutes}); the reconciliation "
                "waits for it."
            ),
        )
    )
