"""`sync_run.requests` counts every request a run made: read passes, fresh reads and pushes.

The reference is what the sandboxes themselves counted while the run's jobs ran.
"""

from __future__ import annotations

from server import jobs
from server.sandboxes.wix.app import wix_sandbox_of
from server.sync import records
from tests.worker.test_sync_jobs_env import SyncEnv, no_app_listeners, sync_env

__all__ = ["no_app_listeners"]


def sandbox_total(env: SyncEnv) -> int:
    """Requests both sandboxes have counted so far (admin calls are not counted)."""
    wix = wix_sandbox_of(env.wix_app).control.counters.endpoints
    allegro = env.allegro_app.state.allegro.control.counters.endpoints
    return int(sum(wix.values()) + sum(allegro.values()))


async def test_stored_requests_equal_those_the_sandboxes_counted() -> None:
    async with sync_env() as env:
        before = sandbox_total(env)
        run_id = await jobs.start_sync(env.pool, trigger="api", scope="all")
        worker = await env.run_jobs()
        assert worker.jobs_failed == 0
        run = await records.get_run(run_id)
        made = sandbox_total(env) - before
    assert run.status == "COMPLETED" and run.pushed > 0
    assert run.requests == made, (run.requests, made)
