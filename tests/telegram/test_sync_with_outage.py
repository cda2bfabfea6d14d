"""A real sync whose Allegro pushes give up while Telegram is down: the run ends as it would
without Telegram, one failure alert per account waits in the queue, and arrives on recovery."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server import jobs
from server.connectors import allegro as allegro_connector
from server.marketplaces.retry import RetryPolicy
from server.sandboxes.common import FaultSettings
from server.settings import Settings
from server.sync import records
from server.telegram.alerting import start_alerting
from server.telegram.client import make_bot
from server.telegram.queue import AlertQueue
from server.telegram.sender import AlertSender
from tests.telegram.conftest import ALERT_CHATS
from tests.telegram.fake_bot_api import FakeBotApi
from tests.worker.test_sync_jobs_env import no_app_listeners, no_sleep, sync_env

__all__ = ["no_app_listeners"]


@pytest.fixture(autouse=True)
def instant_allegro_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allegro clients retry as configured but without waiting between attempts."""

    def policy(attempts: int, *, block_s: float = 0.0) -> RetryPolicy:
        return RetryPolicy(attempts=attempts, sleep=no_sleep)

    monkeypatch.setattr(allegro_connector, "allegro_retry_policy", policy)


async def test_a_sync_during_a_telegram_outage_alerts_after_recovery(
    fake: FakeBotApi, settings: Settings, redis: Redis
) -> None:
    fake.fail_status = 503
    alerting = start_alerting(redis, settings, send=False)
    sender = AlertSender(
        make_bot(settings), AlertQueue(redis, cooldown_s=60), redis, ALERT_CHATS, backoff_s=0.05
    )
    task = asyncio.create_task(sender.run())
    try:
        async with sync_env() as env:
            env.allegro_app.state.allegro.control.set_faults(
                FaultSettings(share_5xx=1.0, path_prefixes=["/sale/offer-"], seed=3)
            )
            run_id = await jobs.start_sync(env.pool, trigger="api", scope="all")
            worker = await env.run_jobs()
            run = await records.get_run(run_id)
            allegro_id = env.accounts["allegro"]
        assert worker.jobs_failed == 0
        assert run.status in ("COMPLETED", "FAILED") and run.failed > 0 and run.pushed > 0
        await fake.wait_for("sendMessage", 1, failed_too=True)
        assert fake.sent() == []
        fake.fail_status = None
        await fake.wait_for("sendMessage", len(ALERT_CHATS))
        await asyncio.sleep(0.3)  # nothing else is on its way
    finally:
        task.cancel()
        await alerting.stop()
        await sender.bot.session.close()
    texts = fake.texts()
    assert len(texts) == len(ALERT_CHATS), texts
    assert texts[0].startswith("⚠️ StockBridge: Sync failures")
    assert f"Account: #{allegro_id} (http://sb.test/accounts/{allegro_id})" in texts[0]
    assert f"Run: #{run_id} (http://sb.test/sync/runs/{run_id})" in texts[0]
    assert "failed after all retries" in texts[0]
