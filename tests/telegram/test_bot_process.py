"""The `bot` process (`python -m server.telegram`): off without a token; with one it polls the
fake Bot API's getUpdates and answers."""

from __future__ import annotations

import asyncio
import os
import sys
import time

from server.telegram.replies import HELP
from tests.telegram.conftest import ALLOWED_USER
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi


async def _bot_process(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.telegram",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_without_a_token_the_bot_says_it_is_off() -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}
    process = await _bot_process(env)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0
    assert "Telegram bot: off (set TELEGRAM_BOT_TOKEN)" in stderr.decode()


async def test_with_a_token_the_bot_polls_and_answers(fake: FakeBotApi, redis: object) -> None:
    fake.queue_update(
        "message",
        {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": ALLOWED_USER, "type": "private"},
            "from": {"id": ALLOWED_USER, "is_bot": False, "first_name": "Ann"},
            "text": "/help",
        },
    )
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_ALLOWED_IDS": str(ALLOWED_USER),
    }
    process = await _bot_process(env)
    try:
        await fake.wait_for("sendMessage", 1, timeout_s=30)
    finally:
        process.terminate()
        await asyncio.wait_for(process.communicate(), timeout=30)
    assert fake.texts() == [HELP]
    assert fake.sent("getUpdates"), "the update came through long polling"
