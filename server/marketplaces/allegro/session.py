"""One seller's tokens: reuse the access token until near expiry, rotate, persist before use.

Allegro refresh tokens are single-use: a refresh returns a new pair and spends the old refresh
token (contract §4). Losing the new pair therefore loses the account. The rules here:

1. **Save before use.** A new pair is written with `TokenStore.save` before its access token is
   handed to any request. The store must replace the whole pair in one atomic write (one row,
   one transaction), so the stored pair is always either the old or the new one, never a mix.
2. **A failed save is not forgotten.** The pair stays in memory as *unsaved*; it is never used,
   and every later call tries the save again first. Only this process can still save it.
3. **Crash window.** Between Allegro's answer and the end of the save there is one network
   round trip and one write. A crash there leaves the old refresh token stored; Allegro still
   accepts it for 60 s after its first use, so a restart within that minute recovers. After
   that, the refresh answers `invalid_grant` and `AllegroReconnectRequired` tells the seller to
   connect the account again (no silent retry loop).
4. **Several processes.** Refreshes are serialised by an `asyncio.Lock` and, if given, a
   cross-process lock (e.g. a Redis lock per account). Inside the lock the store is re-read: if
   another process already rotated, its pair is used. If a refresh is refused, the store is
   re-read a few times before giving up, in case another process's save is still landing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from server.marketplaces.allegro.errors import AllegroApiError, AllegroReconnectRequired
from server.marketplaces.allegro.models import Tokens
from server.marketplaces.allegro.oauth import AllegroOAuth, Now, Sleep, refresh_refused, utc_now

RECONNECT_MESSAGE = (
    "Allegro no longer accepts this account's refresh token; reconnect the account "
    "(Accounts page, device code) to continue syncing."
)


class TokenStore(Protocol):
    """Where one account's tokens live; `save` must replace the pair atomically."""

    async def load(self) -> Tokens | None:
        """The stored pair, or None if the account was never connected."""
        ...

    async def save(self, tokens: Tokens) -> None:
        """Replace the stored pair in one atomic write."""
        ...


class InMemoryTokenStore:
    """A `TokenStore` in a variable (tests, scripts)."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        """Start with `tokens`, if any."""
        self.tokens = tokens
        self.saves = 0

    async def load(self) -> Tokens | None:
        """The pair held."""
        return self.tokens

    async def save(self, tokens: Tokens) -> None:
        """Hold a new pair."""
        self.tokens = tokens
        self.saves += 1


class AllegroTokenSaveError(AllegroApiError):
    """New tokens were issued but could not be stored; they are kept and the save is retried."""


class AllegroSession:
    """Hands out a valid access token for one seller account.

    Args:
        oauth: The application's OAuth calls.
        store: The account's token store.
        refresh_margin_s: Refresh when the access token expires within this many seconds.
        lock: Optional cross-process lock factory, entered around every refresh.
        now: Clock for expiry checks.
        reload_attempts: Store re-reads after a refused refresh before giving up.
        reload_delay_s: Pause between those re-reads.
        sleep: Awaited for that pause (tests pass a fake).
    """

    def __init__(
        self,
        oauth: AllegroOAuth,
        store: TokenStore,
        *,
        refresh_margin_s: float = 300.0,
        lock: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
        now: Now = utc_now,
        reload_attempts: int = 3,
        reload_delay_s: float = 0.5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Nothing is loaded until the first token is needed."""
        self.oauth = oauth
        self.store = store
        self.refresh_margin = dt.timedelta(seconds=refresh_margin_s)
        self._cross_process_lock = lock
        self._lock = asyncio.Lock()
        self._now = now
        self._reload_attempts = reload_attempts
        self._reload_delay_s = reload_delay_s
        self._sleep = sleep
        self._tokens: Tokens | None = None
        self._unsaved: Tokens | None = None

    def _fresh(self, tokens: Tokens) -> bool:
        return tokens.expires_at - self._now() > self.refresh_margin

    async def access_token(self) -> str:
        """A valid access token: the held one if not near expiry, else a freshly rotated one."""
        if self._tokens is not None and self._unsaved is None and self._fresh(self._tokens):
            return self._tokens.access_token
        async with self._serialised():
            tokens = await self._reload()
            if not self._fresh(tokens):
                tokens = await self._rotate(tokens)
            return tokens.access_token

    async def refresh_rejected(self, rejected: str) -> str:
        """After a 401 for `rejected`: a newer token if someone rotated already, else rotate."""
        async with self._serialised():
            tokens = await self._reload()
            if tokens.access_token != rejected and self._fresh(tokens):
                return tokens.access_token
            return (await self._rotate(tokens)).access_token

    @contextlib.asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        async with self._lock:
            if self._cross_process_lock is None:
                yield
                return
            async with self._cross_process_lock():
                yield

    async def _reload(self) -> Tokens:
        """The newest pair: an unsaved one (after saving it), else the store's."""
        unsaved = self._unsaved
        if unsaved is not None:
            await self._persist(unsaved)
            return self._adopt(unsaved)
        tokens = await self.store.load()
        if tokens is None:
            raise AllegroReconnectRequired("This Allegro account is not connected yet.")
        self._tokens = tokens
        return tokens

    def _adopt(self, tokens: Tokens) -> Tokens:
        """`tokens` are stored: use them from now on."""
        self._unsaved = None
        self._tokens = tokens
        return tokens

    async def _rotate(self, tokens: Tokens) -> Tokens:
        try:
            new = await self.oauth.refresh(tokens.refresh_token)
        except AllegroApiError as error:
            if not refresh_refused(error):
                raise
            return await self._adopt_newer(tokens, error)
        self._unsaved = new
        await self._persist(new)
        return self._adopt(new)

    async def _persist(self, tokens: Tokens) -> None:
        try:
            await self.store.save(tokens)
        except Exception as error:
            raise AllegroTokenSaveError(
                "Allegro issued new tokens but they could not be saved; retrying on next use."
            ) from error

    async def _adopt_newer(self, tokens: Tokens, error: AllegroApiError) -> Tokens:
        """A refused refresh: use a pair another process saved meanwhile, or ask to reconnect."""
        for attempt in range(self._reload_attempts):
            stored = await self.store.load()
            if stored is not None and stored.refresh_token != tokens.refresh_token:
                self._tokens = stored
                return stored
            if attempt + 1 < self._reload_attempts:
                await self._sleep(self._reload_delay_s)
        raise AllegroReconnectRequired(
            RECONNECT_MESSAGE,
            status=error.status,
            code=error.code,
            oauth_error=error.oauth_error,
            request_id=error.request_id,
            method=error.method,
            url=error.url,
        ) from error
