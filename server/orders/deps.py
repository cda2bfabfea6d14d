"""What an order importer is given (clients, Redis, options) and what it reports.

Nothing here is global: a worker job, a test or a benchmark script builds `OrderImportDeps` and
`ImportOptions` itself and calls the importer, so several importers (even of the same account)
can run side by side in one process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol

import msgspec
from redis.asyncio import Redis

from server.domain.accounts import AccountRecord
from server.domain.orders import save_event_id
from server.marketplaces.allegro.client import AllegroClient
from server.orders.wix_deps import WixClients

ImportStatus = Literal["done", "partial", "busy", "inactive", "not_connected", "unsupported"]
SaveEvent = Callable[[int, str], Awaitable[None]]


class AllegroClients(Protocol):
    """Builds an Allegro client for one account (`AllegroConnector` fits)."""

    def client(self, account: AccountRecord) -> AbstractAsyncContextManager[AllegroClient]:
        """An authorised client for the account, closed on exit."""
        ...


@dataclasses.dataclass(frozen=True)
class OrderImportDeps:
    """Everything an importer needs besides the database."""

    redis: Redis
    allegro: AllegroClients
    wix: WixClients | None = None
    """Wix clients (`WixConnector`); None where only Allegro is imported (Allegro tests)."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True)
class ImportOptions:
    """How one import runs; the defaults are what the worker uses.

    `save_progress` stores the event cursor after a page (the domain's `save_event_id`); tests
    replace it with one that fails, to stand for a worker killed between deduction and save.
    `use_lock=False` runs without the per-account Redis lock (exactly-once then rests on the
    database keys alone, which is what the tests prove).
    """

    event_page_size: int = 1000
    form_page_size: int = 100
    max_event_pages: int = 5
    """Journal pages per run; the rest waits a minute. Forms are read one by one, so 5,000
    events keep a run well inside the worker's job timeout."""
    max_form_pages: int = 20
    overlap: dt.timedelta = dt.timedelta(minutes=10)
    """How far before the watermark the safety net looks again (index lag, clock skew)."""
    safety_net: bool = True
    use_lock: bool = True
    lock_ttl_s: float = 120.0
    save_progress: SaveEvent = save_event_id
    now: Callable[[], dt.datetime] = _utc_now


class ImportReport(msgspec.Struct, kw_only=True):
    """What one import of one account did (counts are of this run only).

    `status`: `done`; `partial` when a form failed and the cursor stays before its event (the next
    run tries it again); `busy` when another importer holds the account; `inactive`,
    `not_connected` (no Allegro tokens yet) and `unsupported` (no importer for the marketplace)
    did nothing. `history`: forms the safety net left alone, bought before the account's start.
    """

    account_id: int
    status: ImportStatus = "done"
    events: int = 0
    forms_fetched: int = 0
    applied: int = 0
    deducted: int = 0
    restocked: int = 0
    conflicts: int = 0
    merged: int = 0
    failed: int = 0
    quarantined: int = 0
    safety_forms: int = 0
    history: int = 0
    cursor: str | None = None
    watermark: dt.datetime | None = None
