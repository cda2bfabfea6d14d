"""The order jobs for Wix in a burst arq worker on real Redis: the cron queues one import per
active Wix account under the account's job id, and the import polls Wix."""

from __future__ import annotations

import uuid

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

from server.domain.accounts import set_account_active
from server.settings import get_settings
from tests.orders.helpers import quantity, wix_account
from tests.orders.wix_env import line, wix_orders_env
from worker.jobs.orders import ORDER_FUNCTIONS, import_orders

pytestmark = pytest.mark.usefixtures("warehouses")


async def test_cron_queues_one_poll_per_active_wix_account_and_the_poll_imports() -> None:
    queue = f"test:orders:{uuid.uuid4().hex}"
    pool = await create_pool(
        RedisSettings.from_dsn(get_settings().redis_url), default_queue_name=queue
    )
    try:
        async with wix_orders_env() as env:
            inactive = await wix_account(name="Closed shop")
            await set_account_active(inactive, False)
            await env.place(line("MUG", 4))
            queued = len(await import_orders({"redis": pool}))
            doubled = len(await import_orders({"redis": pool}))
            ids = [job.job_id for job in await pool.queued_jobs()]
            worker = Worker(
                functions=ORDER_FUNCTIONS,
                redis_pool=pool,
                queue_name=queue,
                burst=True,
                ctx={"wix": env.deps.wix, "allegro": None},
                handle_signals=False,
                poll_delay=0.01,
            )
            await worker.main()
            await worker.close()
            after = len(await import_orders({"redis": pool}))
            await pool.delete(queue, f"arq:job:import_orders:{env.account_id}")
    finally:
        await pool.aclose()
    assert (queued, doubled, after) == (1, 0, 1)  # the id is free again once the poll is done
    assert ids == [f"import_orders:{env.account_id}"]
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert await quantity("MUG", "A") == 6
