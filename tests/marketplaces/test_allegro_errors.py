"""Allegro client over HTTP to the sandbox: every error shape, 429 backoff, 5xx and transport retries."""

from __future__ import annotations

import uuid

import httpx
import pytest

from server.marketplaces.allegro import (
    AllegroApiError,
    AllegroRateLimitedError,
    parse_allegro_error,
)
from server.marketplaces.errors import RateLimitedError, TransportError
from server.sandboxes.allegro import AllegroLimits, AllegroSandboxConfig, LimitRule
from server.sandboxes.common import FaultSettings
from tests.marketplaces.test_allegro_harness import (
    VENDOR,
    Env,
    allegro_env,
    clean_database,  # noqa: F401
)


def _token(env: Env) -> str:
    assert env.tokens.tokens is not None
    return env.tokens.tokens.access_token


async def test_rest_error_bodies_are_parsed_into_errors() -> None:
    async with allegro_env() as env:
        with pytest.raises(AllegroApiError) as missing:
            await env.client.command_report("quantity", str(uuid.uuid4()))
        error = missing.value
        assert (error.status, error.code, error.codes) == (
            404,
            "COMMAND_NOT_FOUND",
            ["COMMAND_NOT_FOUND"],
        )
        assert error.errors[0].message == "Command not found." and error.errors[0].user_message
        assert error.request_id is not None and len(error.request_id) == 16
        assert error.retryable is False
        with pytest.raises(AllegroApiError) as invalid:
            await env.client.patch_offer(env.offers_of()[0].id, {"stock": {"available": -5}})
        assert invalid.value.status == 422 and invalid.value.errors[0].path == "stock.available"
        with pytest.raises(AllegroApiError) as forbidden:
            await env.client.get_offer(env.offers_of("StockBridgeDemo2")[0].id)
        assert forbidden.value.status == 403


async def test_raw_406_415_401_and_403_shapes() -> None:
    async with allegro_env() as env:
        token = _token(env)
        cases = [
            (await env.raw.get("/me", headers=env.headers(token, Accept="application/json")), 406, "NotAcceptableException"),
            (await env.raw.put(f"/sale/offer-quantity-change-commands/{uuid.uuid4()}", headers=env.headers(token, **{"Content-Type": "application/json"}), content=b"{}"), 415, "NotSupportedException"),
            (await env.raw.get("/me", headers=env.headers(token, **{"User-Agent": ""})), 403, "USER_AGENT_REQUIRED"),
        ]  # fmt: skip
        for response, status, code in cases:
            error = parse_allegro_error(response)
            assert (error.status, error.code) == (status, code) and error.errors
        env.clock.advance(43200)
        expired = parse_allegro_error(await env.raw.get("/me", headers=env.headers(token)))
        assert (expired.status, expired.oauth_error) == (401, "invalid_token")
        assert token not in str(expired) and "***" in expired.message


async def test_429_backs_off_past_the_block_then_succeeds() -> None:
    config = AllegroSandboxConfig(
        limits=AllegroLimits(global_per_client=LimitRule(limit=3, block_s=60.0))
    )
    async with allegro_env(config) as env:
        for _ in range(4):
            await env.client.me()
        assert env.count("GET /me", 429) == 1 and env.count("GET /me", 200) == 4
        assert max(env.sleep.delays) >= 60.0


async def test_429_that_outlasts_the_retries_is_a_rate_limited_error() -> None:
    config = AllegroSandboxConfig(
        limits=AllegroLimits(global_per_client=LimitRule(limit=1, block_s=600.0))
    )
    async with allegro_env(config, rate_limited_min_delay_s=1.0) as env:
        await env.client.me()
        with pytest.raises(AllegroRateLimitedError) as caught:
            await env.client.me()
        assert isinstance(caught.value, RateLimitedError) and caught.value.status == 429
        assert caught.value.code == "TooManyRequestsException"
        assert env.count("GET /me", 429) == 3


async def test_5xx_is_retried_then_reported_clearly() -> None:
    async with allegro_env() as env:
        await env.admin("POST", "/faults/script", json={"faults": ["5xx"]})
        assert (await env.client.me()).login
        assert env.count("GET /me") == 2
        await env.admin("POST", "/faults/script", json={"faults": ["5xx", "5xx", "5xx"]})
        with pytest.raises(AllegroApiError) as caught:
            await env.client.me()
        error = caught.value
        assert error.status in (500, 503) and error.retryable
        assert error.code in ("INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE")
        assert "GET" in str(error) and "/me" in str(error)


async def test_dropped_connections_and_timeouts_are_retried() -> None:
    faults = FaultSettings(timeout_sleep_s=5.0)
    async with allegro_env(AllegroSandboxConfig(faults=faults), timeout_s=0.2) as env:
        await env.admin("POST", "/faults/script", json={"faults": ["drop", "timeout"]})
        assert (await env.client.me()).login
        assert env.api.stats.transport_errors == 2
        await env.admin("POST", "/faults/script", json={"faults": ["drop"] * 3})
        with pytest.raises(TransportError):
            await env.client.me()


async def test_a_patch_sent_as_json_is_refused_with_415() -> None:
    async with allegro_env() as env:
        offer = env.offers_of()[0]
        response = await env.raw.patch(
            f"/sale/product-offers/{offer.id}",
            headers=env.headers(_token(env), **{"Content-Type": "application/json"}),
            content=b'{"stock": {"available": 1}}',
        )
        assert response.status_code == 415
        fixed = await env.raw.patch(
            f"/sale/product-offers/{offer.id}",
            headers=env.headers(_token(env), **{"Content-Type": VENDOR + "; charset=utf-8"}),
            content=b'{"stock": {"available": 1}}',
        )
        assert fixed.status_code == 202
        assert isinstance(fixed, httpx.Response)
