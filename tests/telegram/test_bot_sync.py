"""`/sync` end to end: the button enqueues a run, a burst arq worker runs it, and the bot's
message is edited from "queued" through progress to the final summary."""

from __future__ import annotations

import time
from typing import Any

from arq import ArqRedis
from arq.worker import Worker
from redis.asyncio import Redis

from server.connectors.allegro import AllegroConnector
from server.connectors.wix import WixConnector
from server.domain.accounts import NewAccount, create_account
from server.settings import Settings
from server.sync import records
from server.telegram.routers.sync import SKU_HINT, SyncChoice
from tests.integration.accounts_helpers import WIX_CREDENTIALS
from tests.telegram.botkit import bot_under_test
from tests.telegram.conftest import ALLOWED_USER, QUEUE
from tests.telegram.fake_bot_api import BOT_ID, FakeBotApi
from worker.jobs.sync import SYNC_FUNCTIONS


def keyboard_message() -> dict[str, Any]:
    return {
        "message_id": 555,
        "date": int(time.time()),
        "chat": {"id": ALLOWED_USER, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "StockBridge"},
        "text": "What should be synced?",
    }


async def run_jobs(arq: ArqRedis, redis: Redis, settings: Settings) -> None:
    worker = Worker(
        functions=SYNC_FUNCTIONS,
        redis_pool=arq,
        queue_name=QUEUE,
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        ctx={"wix": WixConnector(settings, redis), "allegro": AllegroConnector(settings, redis)},
    )
    await worker.main()
    await worker.close()
    assert worker.jobs_failed == 0


async def test_the_all_button_runs_a_sync_and_edits_the_message_to_its_summary(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis, redis: Redis
) -> None:
    async with bot_under_test(settings, arq) as tg:
        await tg.press(
            SyncChoice(scope="all").pack(), user_id=ALLOWED_USER, message=keyboard_message()
        )
        await fake.wait_for("editMessageText", 2)  # "queued", then the follower's first read
        await run_jobs(arq, redis, settings)
        await tg.followers.join()
    runs = (await records.list_runs()).items
    assert [(r.trigger, r.scope, r.status) for r in runs] == [("bot", "all", "COMPLETED")]
    run_id = runs[0].id
    answers = fake.sent("answerCallbackQuery")
    assert answers[0]["text"] == f"Sync run #{run_id} queued"
    edits = fake.sent("editMessageText")
    assert {e["message_id"] for e in edits} == {555}
    assert edits[0]["text"] == f"Sync run #{run_id} queued.\nhttp://sb.test/sync/runs/{run_id}"
    assert edits[1]["text"].startswith(f"Sync run #{run_id} (all): PENDING 0%")
    assert edits[-1]["text"].splitlines() == [
        f"Sync run #{run_id} (all) finished: COMPLETED",
        "Planned 0 · pushed 0 · skipped 0 · failed 0 · requests 0",
        f"http://sb.test/sync/runs/{run_id}",
    ]


async def test_sync_sku_starts_a_product_run_and_the_sku_button_explains(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis, redis: Redis, product: str
) -> None:
    async with bot_under_test(settings, arq) as tg:
        await tg.press(
            SyncChoice(scope="sku").pack(), user_id=ALLOWED_USER, message=keyboard_message()
        )
        await tg.say(f"/sync {product}", user_id=ALLOWED_USER)
        await run_jobs(arq, redis, settings)
        await tg.followers.join()
    run = (await records.list_runs()).items[0]
    assert (run.trigger, run.scope, run.scope_sku, run.status) == (
        "bot",
        "sku",
        product,
        "COMPLETED",
    )
    assert fake.sent("answerCallbackQuery")[0]["text"] == SKU_HINT
    assert fake.texts()[0].startswith(f"Sync run #{run.id} queued.")
    assert fake.texts("editMessageText")[-1].startswith(f"Sync run #{run.id} (sku) finished")


async def test_an_account_button_queues_that_accounts_run(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis, warehouses: list[str]
) -> None:
    account = await create_account(
        NewAccount(
            marketplace="wix", name="Shop", credentials=WIX_CREDENTIALS, source_warehouses=["A"]
        )
    )
    async with bot_under_test(settings, arq) as tg:
        choice = SyncChoice(scope="account", account_id=account.id).pack()
        await tg.press(choice, user_id=ALLOWED_USER, message=keyboard_message())
        gone = SyncChoice(scope="account", account_id=account.id + 1).pack()
        await tg.press(gone, user_id=ALLOWED_USER, message=keyboard_message())
    runs = (await records.list_runs()).items
    assert [(r.trigger, r.scope, r.scope_account_id) for r in runs] == [
        ("bot", "account", account.id)
    ]
    assert [a["text"] for a in fake.sent("answerCallbackQuery")] == [
        f"Sync run #{runs[0].id} queued",
        "That account is gone.",
    ]
    assert await arq.zcard(QUEUE) == 1, "the account's job waits in the queue"
