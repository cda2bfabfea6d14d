"""A local fake of the Telegram Bot API over real HTTP (aiohttp), for aiogram pointed at it.

Implements `POST /bot{token}/{method}` for getMe, getUpdates (serving queued updates),
sendMessage, editMessageText, answerCallbackQuery, deleteWebhook and close; records every call;
fault knobs: `fail_status` (answer every call with this 5xx until cleared), `delay_s` (answer
late, past the client's timeout), `retry_after` (answer 429 with this `retry_after` once, after
`retry_after_after` normal answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.seeded_secrets import TELEGRAM_BOT_TOKEN

TOKEN = TELEGRAM_BOT_TOKEN
BOT_ID = 123456


@dataclass
class Call:
    """One request the fake answered (or failed on purpose)."""

    method: str
    params: dict[str, Any]
    ok: bool


@dataclass
class FakeBotApi:
    """State and knobs of the fake; `url` is what `TELEGRAM_API_URL` should be."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    fail_status: int | None = None
    delay_s: float = 0.0
    retry_after: int | None = None
    retry_after_after: int = 0
    """Calls answered normally before the 429 of `retry_after`."""
    next_message_id: int = 100
    next_update_id: int = 1
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of the successful calls of one method."""
        return [c.params for c in self.calls if c.method == method and c.ok]

    def texts(self, method: str = "sendMessage") -> list[str]:
        """Texts of the successful calls of one method."""
        return [str(p["text"]) for p in self.sent(method)]

    def queue_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update (`message`, `callback_query`) for getUpdates; returns its id."""
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self._changed.set()
        return update_id

    async def wait_for(
        self, method: str, count: int = 1, timeout_s: float = 10.0, *, failed_too: bool = False
    ) -> None:
        """Wait until `count` successful (or, `failed_too`, any) calls of `method` were made."""
        deadline = time.monotonic() + timeout_s

        def seen() -> int:
            if failed_too:
                return len([c for c in self.calls if c.method == method])
            return len(self.sent(method))

        while seen() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method}: {seen()} of {count} calls")
            await asyncio.sleep(0.02)


def _message(chat_id: int, text: str, message_id: int) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "StockBridge"},
        "text": text,
    }


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        params[key] = value if isinstance(value, str) else str(value)
    for key in ("chat_id", "message_id", "offset"):
        if key in params:
            params[key] = int(params[key])
    return params


def _result(fake: FakeBotApi, method: str, params: dict[str, Any]) -> Any:
    if method == "getMe":
        return {"id": BOT_ID, "is_bot": True, "first_name": "StockBridge", "username": "sb_bot"}
    if method == "sendMessage":
        fake.next_message_id += 1
        return _message(params["chat_id"], params["text"], fake.next_message_id)
    if method == "editMessageText":
        return _message(params["chat_id"], params["text"], params["message_id"])
    if method == "getUpdates":
        offset = int(params.get("offset", 0))
        fake.updates = [u for u in fake.updates if u["update_id"] >= offset]
        return list(fake.updates)
    return True


def _app(fake: FakeBotApi) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        if request.match_info["token"] != TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        if fake.delay_s:
            await asyncio.sleep(fake.delay_s)
        if fake.retry_after is not None and fake.retry_after_after > 0:
            fake.retry_after_after -= 1
        elif fake.retry_after is not None:
            wait, fake.retry_after = fake.retry_after, None
            fake.calls.append(Call(method, params, ok=False))
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            }
            return web.json_response(body, status=429)
        if fake.fail_status is not None:
            fake.calls.append(Call(method, params, ok=False))
            body = {"ok": False, "error_code": fake.fail_status, "description": "Bad Gateway"}
            return web.json_response(body, status=fake.fail_status)
        if method == "getUpdates" and not fake.updates:
            fake._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fake._changed.wait(), timeout=0.2)
        fake.calls.append(Call(method, params, ok=True))
        return web.json_response(
            {"ok": True, "result": _result(fake, method, params)}, dumps=json.dumps
        )

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    return app


@asynccontextmanager
async def running_fake() -> AsyncIterator[FakeBotApi]:
    """The fake listening on a free 127.0.0.1 port until the block ends."""
    fake = FakeBotApi()
    runner = web.AppRunner(_app(fake), access_log=None)  # its lines carry the token
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
