"""arq entry point: `arq worker.settings.WorkerSettings` (the `worker` line of the Procfile)."""

from __future__ import annotations

from typing import Any, ClassVar

from arq import cron
from arq.connections import RedisSettings

from server.settings import get_settings
from worker.context import COMMAND_TIMEOUT_S, shutdown, startup
from worker.jobs.housekeeping import purge_sessions
from worker.jobs.orders import ORDER_FUNCTIONS, import_orders
from worker.jobs.orders_wix import WIX_ORDER_FUNCTIONS
from worker.jobs.sync import SYNC_FUNCTIONS, reconcile


class WorkerSettings:
    """Jobs, cron schedule and connections of the StockBridge worker."""

    functions: ClassVar[list[Any]] = [
        purge_sessions,
        *SYNC_FUNCTIONS,
        *ORDER_FUNCTIONS,
        *WIX_ORDER_FUNCTIONS,
    ]
    cron_jobs: ClassVar[list[Any]] = [
        cron(purge_sessions, minute={7}, run_at_startup=True, unique=True),
        cron(reconcile, unique=True),  # every minute; `reconcile` decides whether one is due
        cron(import_orders, unique=True),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url)
    max_jobs = 20
    job_timeout = int(COMMAND_TIMEOUT_S) + 300
    """A batch's push plus Allegro command confirmation (`COMMAND_TIMEOUT_S`) must fit."""
