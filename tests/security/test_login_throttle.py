"""Login throttling: failures per address and e-mail lock the login for a while, never for good."""

from __future__ import annotations

import asyncio

import httpx
from redis.asyncio import Redis

from server.domain import login_throttle
from server.domain.login_throttle import (
    FIRST_LOCK_S,
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_EMAIL,
    MAX_LOCK_S,
    WINDOW_S,
    check_login_allowed,
    record_login_failure,
)
from tests.security.helpers import post_login_form, set_cookie, the_app
from tests.seeded_secrets import ADMIN_PASSWORD

ADMIN = "admin@example.com"


def _redis(client: httpx.AsyncClient) -> Redis:
    redis: Redis = the_app(client).state.redis
    return redis


async def _token(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/token", json={"email": email, "password": password})


async def _lock_keys(redis: Redis) -> list[bytes]:
    return [key async for key in redis.scan_iter(match=f"{login_throttle.KEY_PREFIX}*:lock")]


async def test_api_login_is_locked_after_repeated_failures(
    client: httpx.AsyncClient, admin: object, viewer: object
) -> None:
    for _ in range(MAX_FAILURES_PER_EMAIL):
        assert (await _token(client, ADMIN, "wrong-password-9")).status_code == 401
    locked = await _token(client, ADMIN, ADMIN_PASSWORD)
    assert locked.status_code == 429, "a correct password is refused while locked"
    assert locked.json()["code"] == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= FIRST_LOCK_S
    other = await _token(client, "viewer@example.com", "viewer-password-1")
    assert other.status_code == 201, "another e-mail from the same address still logs in"


async def test_unknown_emails_are_throttled_like_known_ones(
    client: httpx.AsyncClient, admin: object
) -> None:
    unknown = [await _token(client, "nobody@example.com", "pw-123456") for _ in range(6)]
    known = [await _token(client, ADMIN, "pw-123456") for _ in range(6)]
    assert [r.status_code for r in unknown] == [r.status_code for r in known] == [401] * 5 + [429]
    assert unknown[-1].json()["detail"] == known[-1].json()["detail"]


async def test_the_lock_expires_and_a_success_clears_the_count(
    client: httpx.AsyncClient, admin: object
) -> None:
    for _ in range(MAX_FAILURES_PER_EMAIL):
        await _token(client, ADMIN, "wrong-password-9")
    redis = _redis(client)
    for key in await _lock_keys(redis):
        await redis.pexpire(key, 20)
    await asyncio.sleep(0.05)
    assert (await _token(client, ADMIN, ADMIN_PASSWORD)).status_code == 201
    assert (await _token(client, ADMIN, "wrong-password-9")).status_code == 401
    assert (await _token(client, ADMIN, ADMIN_PASSWORD)).status_code == 201


async def test_locks_grow_but_stay_bounded(client: httpx.AsyncClient) -> None:
    redis = _redis(client)
    for _ in range(MAX_FAILURES_PER_EMAIL + 40):
        await record_login_failure(redis, "10.0.0.1", "x@example.com")
    ttls = [await redis.ttl(key) for key in await _lock_keys(redis)]
    assert ttls and all(0 < ttl <= MAX_LOCK_S for ttl in ttls)
    assert max(ttls) > FIRST_LOCK_S, "repeated failures lock for longer"
    counters = [
        key
        async for key in redis.scan_iter(match=f"{login_throttle.KEY_PREFIX}*")
        if not key.endswith(b":lock")
    ]
    counter_ttls = [await redis.ttl(key) for key in counters]
    assert counter_ttls and all(0 < ttl <= WINDOW_S for ttl in counter_ttls)


async def test_one_address_trying_many_emails_is_locked(client: httpx.AsyncClient) -> None:
    redis = _redis(client)
    for n in range(MAX_FAILURES_PER_ADDRESS):
        await check_login_allowed(redis, "10.0.0.2", f"user{n}@example.com")
        await record_login_failure(redis, "10.0.0.2", f"user{n}@example.com")
    try:
        await check_login_allowed(redis, "10.0.0.2", "fresh@example.com")
    except login_throttle.LoginThrottledError as error:
        assert error.retry_after > 0
    else:
        raise AssertionError("the address should be locked for every e-mail")
    await check_login_allowed(redis, "10.0.0.3", "fresh@example.com")


async def test_dashboard_login_shows_the_lock_as_a_form_error(
    client: httpx.AsyncClient, admin: object
) -> None:
    for _ in range(MAX_FAILURES_PER_EMAIL):
        assert (await post_login_form(client, ADMIN, "wrong-password-9")).status_code == 401
    locked = await post_login_form(client, ADMIN, ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert int(locked.headers["Retry-After"]) > 0
    assert set_cookie(locked, "sb_session") is None
