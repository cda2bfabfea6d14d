"""What a Wix order import is given (Redis, a client source) and what it reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol

import msgspec
from redis.asyncio import Redis

from server.domain.accounts import AccountRecord
from server.domain.orders import ApplyResult
from server.marketplaces.wix.client import WixClient

ImportStatus = Literal["done", "busy"]
WATERMARK_OVERLAP = dt.timedelta(minutes=10)
"""How far before the watermark each poll reads again (see `server.orders.wix_import`)."""


class WixClients(Protocol):
    """Builds a Wix client for one account (`WixConnector` fits)."""

    def client(self, account: AccountRecord) -> AbstractAsyncContextManager[WixClient]:
        """A client for the account's site, closed on exit."""
        ...


@dataclasses.dataclass(frozen=True)
class WixImportDeps:
    """Redis (the account lock) and the Wix clients; the window's overlap and page size."""

    redis: Redis
    wix: WixClients
    overlap: dt.timedelta = WATERMARK_OVERLAP
    page_size: int = 100


class WixImportReport(msgspec.Struct, kw_only=True):
    """What one poll of an account did.

    `blocked` says an order failed (and is not quarantined): the watermark waits before it.
    `conflicts` counts the conflicting lines of the orders read (old and new); `before_origin`
    the orders created before the account was connected (never applied).
    """

    account_id: int
    status: ImportStatus = "done"
    orders: int = 0
    deducted: int = 0
    restocked: int = 0
    conflicts: int = 0
    failed: list[str] = msgspec.field(default_factory=list)
    quarantined: int = 0
    before_origin: int = 0
    blocked: bool = False
    watermark: dt.datetime | None = None

    def add(self, result: ApplyResult) -> None:
        """Count one applied order."""
        self.deducted += result.deducted
        self.restocked += result.restocked
        self.conflicts += result.conflicts
