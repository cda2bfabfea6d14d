"""The order-import jobs on real Redis: the fan-out, one job per account, a burst worker importing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

from server.domain.accounts import set_account_active
from server.orders.jobs import IMPORT_ORDERS, account_job_id, start_order_import
from server.settings import get_settings
from tests.orders.allegro_env import OrderEnv, instant_retries, no_app_listeners, order_env
from tests.orders.helpers import allegro_account, quantity, wix_account
from worker.jobs.orders import ORDER_FUNCTIONS

__all__ = ["instant_retries", "no_app_listeners"]
pytestmark = pytest.mark.usefixtures("warehouses")


@pytest.fixture
async def pool() -> AsyncIterator[ArqRedis]:
    """An arq pool on a queue of its own."""
    queue = f"test:orders:{uuid.uuid4().hex}"
    arq = await create_pool(
        RedisSettings.from_dsn(get_settings().redis_url), default_queue_name=queue
    )
    await _forget_import_jobs(arq)  # account ids restart at 1: earlier tests' jobs would collide
    yield arq
    await _forget_import_jobs(arq)
    await arq.aclose()


async def _forget_import_jobs(arq: ArqRedis) -> None:
    keys = [key async for key in arq.scan_iter(match="arq:*import_orders*")]
    if keys:
        await arq.delete(*keys)


async def drain(pool: ArqRedis, env: OrderEnv) -> Worker:
    """Run every queued order job to the end in a burst worker."""
    worker = Worker(
        functions=ORDER_FUNCTIONS,
        redis_pool=pool,
        queue_name=pool.default_queue_name,
        burst=True,
        ctx={"allegro": env.deps.allegro},
        handle_signals=False,
        poll_delay=0.01,
    )
    await worker.main()
    await worker.close()
    return worker


async def test_the_fan_out_queues_one_job_per_active_account(pool: ArqRedis) -> None:
    async with order_env() as env:
        wix = await wix_account()
        paused = await allegro_account(name="Paused")
        await set_account_active(paused, False)
        assert sorted(await start_order_import(pool)) == sorted([env.account_id, wix])
        assert await start_order_import(pool) == [], "the account's job is already queued"
        assert await start_order_import(pool, paused) == []
        queued = await pool.queued_jobs()
        assert sorted((j.function, j.args) for j in queued) == sorted(
            [("import_account_orders", (env.account_id,)), ("import_account_orders", (wix,))]
        )
        assert await pool.exists(f"arq:job:{account_job_id(env.account_id)}")
        await env.buy((0, 2))
        worker = await drain(pool, env)
        assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
        assert await quantity(env.sku(0), "A") == 8
        assert await start_order_import(pool, env.account_id) == [env.account_id], (
            "a finished job frees its id at once"
        )
        await drain(pool, env)


async def test_the_cron_job_fans_out_and_the_account_job_imports(pool: ArqRedis) -> None:
    async with order_env() as env:
        await env.buy((1, 3))
        await pool.enqueue_job(IMPORT_ORDERS)
        worker = await drain(pool, env)
        assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
        assert await quantity(env.sku(1), "A") == 7
