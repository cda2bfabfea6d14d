"""The arq worker on real Redis: housekeeping jobs run in a burst worker, twice, with one effect."""

from __future__ import annotations

import uuid
from datetime import timedelta

from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

from server.domain.auth import create_session, get_session
from server.domain.db import fetch
from server.settings import get_settings
from worker.jobs.housekeeping import purge_sessions


async def test_purge_sessions_job_removes_only_expired(admin) -> None:  # type: ignore[no-untyped-def]
    live, _ = await create_session(admin.id, timedelta(hours=1))
    dead, _ = await create_session(admin.id, timedelta(hours=1))
    await fetch(
        "UPDATE user_session SET expires_at = now() - interval '1 minute' "
        "WHERE id = (SELECT min(id) + 1 FROM user_session)"
    )
    redis = await create_pool(RedisSettings.from_dsn(get_settings().redis_url))
    try:
        queue = f"test:purge:{uuid.uuid4().hex}"
        for job_id in ("purge-1", "purge-2"):
            await redis.enqueue_job("purge_sessions", _job_id=job_id, _queue_name=queue)
        worker = Worker(
            functions=[purge_sessions],
            redis_pool=redis,
            queue_name=queue,
            burst=True,
            poll_delay=0,
            max_jobs=2,
        )
        await worker.main()
        await worker.close()
        assert worker.jobs_complete == 2 and worker.jobs_failed == 0
    finally:
        await redis.aclose()
    assert await get_session(live) is not None
    assert await get_session(dead) is None
    remaining = await fetch("SELECT count(*) AS n FROM user_session")
    assert remaining[0]["n"] == 1
