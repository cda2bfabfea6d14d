"""Connecting an Allegro account with OAuth's device flow.

The seller presses Connect; Allegro hands out a user code and a link; the seller confirms on
allegro.pl while StockBridge polls. The pending code lives in Redis for its lifetime (never in the
database, never shown beyond the user code), so any web process can answer the next poll.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec
from redis.asyncio import Redis

from server.domain.accounts import AccountRecord, get_account
from server.domain.connectors import (
    DeviceCode,
    DeviceFlowConnector,
    MarketplaceConnectors,
    call_marketplace,
    not_configured,
)
from server.errors import ConflictError, ValidationFailedError

PENDING_KEY = "stockbridge:allegro-connect:{account_id}"


class PendingConnection(msgspec.Struct, frozen=True, kw_only=True):
    """A connection waiting for the seller: the code and link to show, until when."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_at: dt.datetime
    interval: int


class ConnectionPoll(msgspec.Struct, frozen=True, kw_only=True):
    """One poll's outcome, said for a person to read."""

    status: Literal["pending", "connected"]
    message: str


class DeviceFlowFailedError(ConflictError):
    """The seller refused, the code expired or was already used: start again."""

    code = "device_flow_failed"


class _Stored(msgspec.Struct, frozen=True, kw_only=True):
    code: DeviceCode
    expires_at: dt.datetime


def _key(account_id: int) -> str:
    return PENDING_KEY.format(account_id=account_id)


async def _allegro_account(account_id: int) -> AccountRecord:
    account = await get_account(account_id)
    if account.marketplace != "allegro":
        raise ValidationFailedError("only Allegro accounts connect this way", field="account_id")
    return account


def _connector(connectors: MarketplaceConnectors) -> DeviceFlowConnector:
    connector = connectors.device_flows.get("allegro")
    if connector is None:
        raise not_configured("allegro")
    return connector


def _view(stored: _Stored) -> PendingConnection:
    code = stored.code
    return PendingConnection(
        user_code=code.user_code,
        verification_uri=code.verification_uri,
        verification_uri_complete=code.verification_uri_complete,
        expires_at=stored.expires_at,
        interval=max(code.interval, 1),
    )


async def _load(redis: Redis, account_id: int) -> _Stored | None:
    raw = await redis.get(_key(account_id))
    return None if raw is None else msgspec.json.decode(raw, type=_Stored)


async def pending_connection(redis: Redis, account_id: int) -> PendingConnection | None:
    """The code waiting for the seller's confirmation, if any."""
    stored = await _load(redis, account_id)
    return None if stored is None else _view(stored)


async def start_connection(
    redis: Redis, connectors: MarketplaceConnectors, account_id: int
) -> PendingConnection:
    """Get a device code from Allegro and keep it for its lifetime."""
    account = await _allegro_account(account_id)
    connector = _connector(connectors)
    code = await call_marketplace(account, connector.start_device_flow(account))
    lifetime = max(code.expires_in, 1)
    stored = _Stored(code=code, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lifetime))
    await redis.set(_key(account_id), msgspec.json.encode(stored), ex=lifetime)
    return _view(stored)


async def poll_connection(
    redis: Redis, connectors: MarketplaceConnectors, account_id: int
) -> ConnectionPoll:
    """Ask Allegro once whether the seller confirmed; tokens are saved on approval."""
    account = await _allegro_account(account_id)
    stored = await _load(redis, account_id)
    if stored is None:
        raise DeviceFlowFailedError(
            "no connection is waiting (it expired or was finished); press Connect again",
            field="account_id",
        )
    connector = _connector(connectors)
    try:
        status = await call_marketplace(
            account, connector.poll_device_flow(account, stored.code.device_code)
        )
    except DeviceFlowFailedError:
        await redis.delete(_key(account_id))
        raise
    if status == "approved":
        await redis.delete(_key(account_id))
        return ConnectionPoll(status="connected", message="Connected to Allegro.")
    return ConnectionPoll(
        status="pending", message="Waiting for the seller to confirm the code on Allegro."
    )
