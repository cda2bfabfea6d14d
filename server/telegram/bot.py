"""The bot's dispatcher: routers, the allow-list and the resources handlers receive by name.

Handlers get `settings`, `arq` (the arq pool, also the Redis client for progress), `redis` and
`followers` from dispatcher data (aiogram's dependency injection).
"""

from __future__ import annotations

from aiogram import Dispatcher
from arq import ArqRedis

from server.settings import Settings
from server.telegram.access import AllowList
from server.telegram.follow import Followers
from server.telegram.routers import get_routers


def build_dispatcher(
    settings: Settings, arq: ArqRedis, *, followers: Followers | None = None
) -> Dispatcher:
    """A dispatcher answering only `TELEGRAM_ALLOWED_IDS`."""
    dispatcher = Dispatcher(
        settings=settings, arq=arq, redis=arq, followers=followers or Followers()
    )
    allow = AllowList(settings.telegram_allowed_ids, arq)
    dispatcher.message.outer_middleware(allow)
    dispatcher.callback_query.outer_middleware(allow)
    dispatcher.include_routers(*get_routers())
    return dispatcher
