"""Allegro connector: account test, offers for auto-map, and the OAuth device flow.

Tokens live in the account's encrypted credentials. `AccountTokenStore.save` is one atomic
UPDATE, and the session saves a refreshed pair before using it, so a crash cannot lose an account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from redis.asyncio import Redis

from server.domain.accounts import AccountRecord
from server.domain.allegro_connect import DeviceFlowFailedError
from server.domain.connectors import AccountTestResult, DeviceCode, MarketplaceItem, PollStatus
from server.domain.credentials import (
    AllegroCredentials,
    load_credentials,
    save_allegro_tokens,
)
from server.errors import ValidationFailedError
from server.marketplaces.allegro.base import Polling, allegro_http, allegro_retry_policy
from server.marketplaces.allegro.client import AllegroClient, connect_allegro
from server.marketplaces.allegro.errors import AllegroApiError, AllegroDeviceFlowError
from server.marketplaces.allegro.models import Tokens
from server.marketplaces.allegro.oauth import AllegroOAuth
from server.marketplaces.http import MarketplaceHttp
from server.marketplaces.ratelimit import ALLEGRO_CLIENT_BUDGET, allegro_client_key
from server.marketplaces.retry import RetryPolicy
from server.settings import Settings


class AccountTokenStore:
    """`TokenStore` over one account's encrypted credentials."""

    def __init__(self, account_id: int) -> None:
        """Nothing is read until the session asks."""
        self.account_id = account_id

    async def load(self) -> Tokens | None:
        """The stored pair, or None before the account was connected."""
        credentials = await load_credentials(self.account_id)
        assert isinstance(credentials, AllegroCredentials)
        if not credentials.refresh_token or not credentials.access_token:
            return None
        return Tokens(
            access_token=credentials.access_token,
            refresh_token=credentials.refresh_token,
            expires_at=credentials.access_token_expires_at or dt.datetime.now(dt.UTC),
            scope=credentials.scope or "",
        )

    async def save(self, tokens: Tokens) -> None:
        """Replace the pair in one atomic write."""
        await save_allegro_tokens(
            self.account_id,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scope=tokens.scope,
        )


class AllegroConnector:
    """Builds per-call Allegro clients for accounts, sharing the Client ID budget through Redis."""

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        time_scale: float = 1.0,
        polling: Polling | None = None,
    ) -> None:
        """`transport` lets tests and the demo reach an in-process sandbox.

        `polling` says how long command confirmation may take (the worker keeps it shorter
        than its job timeout); None keeps the client's defaults.
        """
        self.settings = settings
        self.redis = redis
        self.transport = transport
        self.time_scale = time_scale
        self.polling = polling

    async def _credentials(self, account: AccountRecord) -> AllegroCredentials:
        credentials = await load_credentials(account.id)
        if not isinstance(credentials, AllegroCredentials):
            raise ValidationFailedError("not an Allegro account", field="marketplace")
        return credentials

    def retry_policy(self) -> RetryPolicy:
        """`SYNC_RETRY_ATTEMPTS` attempts; a 429 waits `RATE_LIMITED_WAIT_SECONDS` (the block)."""
        return allegro_retry_policy(
            self.settings.sync_retry_attempts, block_s=self.settings.rate_limited_wait_seconds
        )

    def _http(self, base_url: str, credentials: AllegroCredentials, label: str) -> MarketplaceHttp:
        limiter = ALLEGRO_CLIENT_BUDGET.limiter(
            self.redis, allegro_client_key(credentials.client_id), time_scale=self.time_scale
        )
        return allegro_http(
            base_url,
            limiter=limiter,
            retry=self.retry_policy(),
            account_label=label,
            timeout_s=self.settings.sync_timeout_seconds,
            transport=self.transport,
            user_agent=self.settings.allegro_user_agent,
        )

    @asynccontextmanager
    async def _oauth(self, account: AccountRecord) -> AsyncIterator[AllegroOAuth]:
        credentials = await self._credentials(account)
        auth = self._http(self.settings.allegro_auth_url, credentials, f"account-{account.id}")
        try:
            yield AllegroOAuth(auth, credentials.client_id, credentials.client_secret)
        finally:
            await auth.client.aclose()

    @asynccontextmanager
    async def client(self, account: AccountRecord) -> AsyncIterator[AllegroClient]:
        """An authorised client for one account, closed on exit."""
        credentials = await self._credentials(account)
        label = f"account-{account.id}"
        api = self._http(self.settings.allegro_api_url, credentials, label)
        auth = self._http(self.settings.allegro_auth_url, credentials, label)
        try:
            yield connect_allegro(
                api,
                auth,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                store=AccountTokenStore(account.id),
                polling=self.polling,
            )
        finally:
            await api.client.aclose()
            await auth.client.aclose()

    async def fetch_items(self, account: AccountRecord) -> Sequence[MarketplaceItem]:
        """Every offer of the account, its external id as the SKU."""
        async with self.client(account) as client:
            offers = await client.all_offers()
        return [MarketplaceItem(sku=offer.sku, offer_id=offer.id) for offer in offers]

    async def test_account(self, account: AccountRecord) -> AccountTestResult:
        """`GET /me` with the stored tokens; refused credentials say how to fix them."""
        if await AccountTokenStore(account.id).load() is None:
            return AccountTestResult(
                ok=False, message="Not connected yet: connect the account to Allegro first."
            )
        try:
            async with self.client(account) as client:
                me = await client.me()
        except AllegroApiError as error:
            if error.status in (400, 401, 403):
                return AccountTestResult(ok=False, message=f"Allegro refused: {error.message}")
            raise
        return AccountTestResult(
            ok=True, message=f"Connected as {me.login or me.id}.", details={"seller_id": me.id}
        )

    async def start_device_flow(self, account: AccountRecord) -> DeviceCode:
        """Ask Allegro for a code the seller confirms on allegro.pl."""
        async with self._oauth(account) as oauth:
            started = await oauth.start_device_flow()
        return DeviceCode(
            device_code=started.device_code,
            user_code=started.user_code,
            verification_uri=started.verification_uri,
            verification_uri_complete=started.verification_uri_complete or started.verification_uri,
            expires_in=started.expires_in,
            interval=started.interval,
        )

    async def poll_device_flow(self, account: AccountRecord, device_code: str) -> PollStatus:
        """Poll once; on approval the tokens are saved before this returns."""
        try:
            async with self._oauth(account) as oauth:
                poll = await oauth.poll_device_flow(device_code)
        except AllegroDeviceFlowError as error:
            raise DeviceFlowFailedError(error.message, field="account_id") from error
        if poll.tokens is not None:
            await AccountTokenStore(account.id).save(poll.tokens)
        return poll.status
