"""Allegro client auth over HTTP to the sandbox: device flow, token reuse, rotation, 401, crash."""

from __future__ import annotations

import datetime as dt

import pytest

from server.marketplaces.allegro import (
    AllegroApiError,
    AllegroDeviceFlowError,
    AllegroReconnectRequired,
    AllegroSession,
    AllegroTokenSaveError,
    InMemoryTokenStore,
    Tokens,
)
from server.sandboxes.allegro import AllegroSandboxConfig
from tests.marketplaces.test_allegro_harness import (
    SELLER,
    Env,
    allegro_env,
    clean_database,  # noqa: F401
)

TOKEN = "POST /auth/oauth/token"


async def test_device_flow_end_to_end_pending_slow_down_then_tokens() -> None:
    async with allegro_env(connect=False) as env:
        authorization = await env.oauth.start_device_flow()
        assert authorization.interval == 5 and authorization.user_code
        assert authorization.verification_uri.endswith("/skojarz-aplikacje")
        assert (await env.oauth.poll_device_flow(authorization.device_code)).status == "pending"
        polls = 0

        async def approve_on_second_poll() -> None:
            nonlocal polls
            polls += 1
            if polls == 2:
                answer = {"userCode": authorization.user_code, "seller": SELLER}
                await env.admin("POST", "/device/approve", json=answer)

        env.sleep.hooks.append(approve_on_second_poll)
        tokens = await env.oauth.wait_for_device_flow(authorization, sleep=env.sleep)
        assert env.sleep.delays == [5, 5]
        env.tokens.tokens = tokens
        assert (await env.client.me()).login == SELLER
        assert tokens.expires_at > env.clock.now() + dt.timedelta(hours=11)


async def test_device_flow_slow_down_adds_five_seconds_and_denial_raises() -> None:
    async with allegro_env(AllegroSandboxConfig(device_interval_s=2), connect=False) as env:
        authorization = await env.oauth.start_device_flow()
        sleeps = 0

        async def meddle() -> None:
            nonlocal sleeps
            sleeps += 1
            if sleeps == 1:  # someone else polls just before us: our poll comes too soon
                assert (
                    await env.oauth.poll_device_flow(authorization.device_code)
                ).status == "pending"
            else:
                await env.admin("POST", "/device/deny", json={"userCode": authorization.user_code})

        env.sleep.hooks.append(meddle)
        with pytest.raises(AllegroDeviceFlowError, match="refused"):
            await env.oauth.wait_for_device_flow(authorization, sleep=env.sleep)
        assert env.sleep.delays == [2, 7]


async def test_device_code_expiry_and_strings_for_numbers() -> None:
    config = AllegroSandboxConfig(device_numbers_as_strings=True, device_code_ttl_s=20)
    async with allegro_env(config, connect=False) as env:
        authorization = await env.oauth.start_device_flow(scope="allegro:api:sale:offers:read")
        assert authorization.expires_in == 20 and authorization.interval == 5
        with pytest.raises(AllegroDeviceFlowError) as caught:
            await env.oauth.wait_for_device_flow(authorization, sleep=env.sleep)
        assert caught.value.oauth_error == "expired_token"


async def test_access_token_is_reused_until_near_expiry_then_rotated() -> None:
    async with allegro_env() as env:
        first = env.tokens.tokens
        assert first is not None
        for _ in range(3):
            await env.client.me()
        assert env.count(TOKEN) == 0
        env.clock.advance(43199 - 200)  # inside the 5-minute margin
        await env.client.me()
        assert env.count(TOKEN, 200) == 1 and env.tokens.saves == 1
        second = env.tokens.tokens
        assert second is not None and second.refresh_token != first.refresh_token
        with pytest.raises(AllegroApiError) as spent:
            await env.oauth.refresh(first.refresh_token)  # rotation: the old one is spent
        assert spent.value.oauth_error == "invalid_grant" and "eyJ" not in str(spent.value)
        await env.client.me()
        assert env.count(TOKEN) == 2


async def test_401_refreshes_once_and_retries() -> None:
    async with allegro_env() as env:
        tokens = env.tokens.tokens
        assert tokens is not None
        await env.client.me()
        env.runtime.store.access_tokens[tokens.access_token].revoked = True
        assert (await env.client.me()).login == SELLER
        assert env.count("GET /me", 401) == 1 and env.count(TOKEN, 200) == 1


async def test_another_process_rotated_first_its_saved_pair_is_used() -> None:
    async with allegro_env() as env:
        await env.client.me()
        other = AllegroSession(env.oauth, env.tokens, now=env.clock.now, sleep=env.sleep)
        env.clock.advance(43199 - 100)
        await other.access_token()  # rotates and saves; our cached access token is now revoked
        env.clock.advance(-(43199 - 100))
        assert (await env.client.me()).login == SELLER
        assert env.count(TOKEN, 200) == 1 and env.count("GET /me", 401) == 1


class CrashingStore(InMemoryTokenStore):
    """Saves fail while `broken` (a crash between Allegro's answer and our write)."""

    broken = True

    async def save(self, tokens: Tokens) -> None:
        if self.broken:
            raise OSError("database went away")
        await super().save(tokens)


async def _crash_after_refresh(env: Env) -> CrashingStore:
    store = CrashingStore(env.tokens.tokens)
    session = AllegroSession(env.oauth, store, now=env.clock.now, sleep=env.sleep)
    env.clock.advance(43199)
    with pytest.raises(AllegroTokenSaveError):
        await session.access_token()
    store.broken = False
    return store  # the process "crashed": the new pair lived only in that session


async def test_crash_between_refresh_and_save_asks_to_reconnect() -> None:
    async with allegro_env() as env:
        store = await _crash_after_refresh(env)
        restarted = AllegroSession(env.oauth, store, now=env.clock.now, sleep=env.sleep)
        with pytest.raises(AllegroReconnectRequired, match="reconnect the account"):
            await restarted.access_token()


async def test_crash_recovers_within_allegros_grace_and_unsaved_pair_is_retried() -> None:
    async with allegro_env(AllegroSandboxConfig(refresh_reuse_grace_s=60)) as env:
        store = await _crash_after_refresh(env)
        restarted = AllegroSession(env.oauth, store, now=env.clock.now, sleep=env.sleep)
        assert await restarted.access_token()
        assert store.saves == 1
    async with allegro_env() as env:
        store = CrashingStore(env.tokens.tokens)
        session = AllegroSession(env.oauth, store, now=env.clock.now, sleep=env.sleep)
        env.clock.advance(43199)
        with pytest.raises(AllegroTokenSaveError):
            await session.access_token()
        store.broken = False
        token = await session.access_token()  # the same process saves its unsaved pair first
        assert store.tokens is not None and store.tokens.access_token == token
        assert env.count(TOKEN, 200) == 1


async def test_not_connected_account_is_a_clear_error() -> None:
    async with allegro_env(connect=False) as env:
        with pytest.raises(AllegroReconnectRequired, match="not connected"):
            await env.client.me()
