"""The worker's typed context: resources opened at start-up and closed at shut-down.

arq connects Redis (`ctx["redis"]`, the pool jobs enqueue on). Start-up opens the database pool,
builds the marketplace connectors the sync jobs take their clients from, registers the
stock-change listener, so stock changed by a job (an order import) is pushed like any other,
queues the event path's drain job if SKUs are waiting without one (see `server.sync.dirty`) and
starts Telegram alerting: alerts raised here are queued and the worker delivers the queue
(`server.telegram.alerting`), so alerts reach Telegram whether or not a bot process runs.
"""

from __future__ import annotations

from typing import Any, TypedDict

from arq import ArqRedis

from server.connectors.allegro import AllegroConnector
from server.connectors.wix import WixConnector
from server.domain.db import engine
from server.domain.hooks import add_stock_change_listener, remove_stock_change_listener
from server.jobs import mark_dirty, product_sync_listener
from server.marketplaces.allegro.base import Polling
from server.settings import Settings, get_settings
from server.telegram.alerting import start_alerting

COMMAND_TIMEOUT_S = 600.0
"""How long a batch waits for Allegro to finish a command (below `WorkerSettings.job_timeout`)."""


class WorkerContext(TypedDict, total=False):
    """What every job receives as `ctx` (arq adds `redis`, `job_id`, `job_try`)."""

    redis: ArqRedis
    settings: Settings
    job_id: str
    job_try: int
    wix: WixConnector
    allegro: AllegroConnector
    batch_size: int


async def startup(ctx: dict[str, Any]) -> None:
    """Open the database pool, build the connectors and listen for stock changes."""
    settings = get_settings()
    ctx["settings"] = settings
    await engine().start_connection_pool(min_size=1, max_size=settings.db_pool_max_size)
    redis: ArqRedis = ctx["redis"]
    ctx["wix"] = WixConnector(settings, redis)
    ctx["allegro"] = AllegroConnector(
        settings, redis, polling=Polling(command_timeout_s=COMMAND_TIMEOUT_S)
    )
    ctx["batch_size"] = settings.sync_batch_size
    listener = product_sync_listener(redis)
    add_stock_change_listener(listener)
    ctx["stock_listener"] = listener
    ctx["alerting"] = start_alerting(redis, settings, send=True)
    await mark_dirty(redis, [], defer_s=0.0)  # SKUs left dirty while no worker ran get a job


async def shutdown(ctx: dict[str, Any]) -> None:
    """Stop listening, stop alerting and close the database pool."""
    listener = ctx.pop("stock_listener", None)
    if listener is not None:
        remove_stock_change_listener(listener)
    alerting = ctx.pop("alerting", None)
    if alerting is not None:
        await alerting.stop()
    await engine().close_connection_pool()
