"""MarketplaceHttp against in-process fakes: retries, typed errors, limiter slots, logs, counters."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from server.marketplaces.errors import (
    MarketplaceError,
    RateLimitedError,
    TransportError,
    error_context,
)
from server.marketplaces.http import MarketplaceHttp, build_http_client
from server.marketplaces.http import error_context as http_error_context
from server.marketplaces.logging import mask_secrets, redact_url, route_of
from server.marketplaces.ratelimit import Budget, NullLimiter, RateLimiter
from server.marketplaces.retry import RetryPolicy
from server.settings import get_settings

BASE_URL = "https://api.marketplace.test"
Step = httpx.Response | type[httpx.TransportError]


class Scripted:
    """A MockTransport handler answering with its steps in order (the last one repeats)."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, httpx.Response):
            return step
        raise step("simulated", request=request)


class Sleeps:
    """An injected sleep that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class CountingLimiter:
    """Records every slot taken."""

    def __init__(self, name: str, log: list[tuple[str, int]]) -> None:
        self.name = name
        self.log = log

    async def acquire(self, cost: int = 1) -> None:
        self.log.append((self.name, cost))


def make_http(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    attempts: int = 3,
    limiter: RateLimiter | None = None,
    **options: Any,
) -> tuple[MarketplaceHttp, Sleeps]:
    sleeps = Sleeps()
    policy = RetryPolicy(
        attempts=attempts, base_delay_s=0.1, max_delay_s=1.0, sleep=sleeps, jitter=lambda: 1.0
    )
    client = build_http_client(BASE_URL, 5.0, transport=httpx.MockTransport(handler))
    http = MarketplaceHttp(client, limiter or NullLimiter(), policy, "allegro", "shop-1", **options)
    return http, sleeps


async def test_429_with_retry_after_then_success_waits_as_asked() -> None:
    script = Scripted(
        httpx.Response(429, headers={"Retry-After": "7"}, json={"errors": [{"code": "TOO_MANY"}]}),
        httpx.Response(200, json={"ok": True}),
    )
    http, sleeps = make_http(script)
    async with http.client:
        response = await http.request("GET", "/sale/offers")
    assert response.json() == {"ok": True}
    assert len(script.requests) == 2
    assert sleeps.delays == [7.0]
    assert http.stats.retries == 1
    assert http.stats.by_status == {429: 1, 200: 1}


async def test_503_every_time_raises_after_all_attempts() -> None:
    script = Scripted(httpx.Response(503, headers={"trace-id": "a4feb1cc444ee1a6"}, text="down"))
    http, sleeps = make_http(script, attempts=4)
    async with http.client:
        with pytest.raises(MarketplaceError) as caught:
            await http.request("GET", "/sale/offers", params={"limit": 10})
    assert len(script.requests) == 4
    assert sleeps.delays == [0.1, 0.2, 0.4]
    error = caught.value
    assert (error.status, error.retryable, error.request_id) == (503, True, "a4feb1cc444ee1a6")
    assert (error.method, error.url) == ("GET", f"{BASE_URL}/sale/offers?limit=10")
    assert error.message == "down"
    assert http.stats.failures == 1 and http.stats.attempts == 4


async def test_400_raises_at_once_with_the_parsed_body() -> None:
    body = {"errors": [{"code": "VALIDATION_ERROR", "message": "size must be between 0 and 1000"}]}
    script = Scripted(httpx.Response(400, json=body))
    http, sleeps = make_http(script)
    async with http.client:
        with pytest.raises(MarketplaceError) as caught:
            await http.request("PUT", "/sale/offer-quantity-change-commands/x", json={})
    assert len(script.requests) == 1
    assert sleeps.delays == []
    assert caught.value.code == "VALIDATION_ERROR"
    assert caught.value.message == "size must be between 0 and 1000"
    assert caught.value.retryable is False


async def test_post_is_not_retried_on_5xx_unless_marked_idempotent() -> None:
    script = Scripted(httpx.Response(502), httpx.Response(201, json={"id": "1"}))
    http, _ = make_http(script)
    async with http.client:
        with pytest.raises(MarketplaceError) as caught:
            await http.request("POST", "/checkout-forms", json={"a": 1})
        assert caught.value.status == 502 and caught.value.retryable is True
        assert len(script.requests) == 1

        response = await http.request("POST", "/checkout-forms", json={"a": 1}, idempotent=True)
    assert response.status_code == 201
    assert len(script.requests) == 2


async def test_a_get_marked_not_idempotent_is_not_retried() -> None:
    script = Scripted(httpx.Response(500), httpx.Response(200))
    http, _ = make_http(script)
    async with http.client:
        with pytest.raises(MarketplaceError):
            await http.request("GET", "/once", idempotent=False)
    assert len(script.requests) == 1


async def test_transport_errors_are_retried() -> None:
    script = Scripted(httpx.ConnectError, httpx.ReadTimeout, httpx.Response(200, json=[]))
    http, sleeps = make_http(script)
    async with http.client:
        response = await http.request("GET", "/stores/v1/inventoryItems")
    assert response.status_code == 200
    assert len(sleeps.delays) == 2
    assert http.stats.transport_errors == 2 and http.stats.attempts == 3


async def test_transport_errors_that_persist_raise_transport_error() -> None:
    script = Scripted(httpx.ReadTimeout)
    http, _ = make_http(script, attempts=2)
    async with http.client:
        with pytest.raises(TransportError) as caught:
            await http.request("GET", "/slow", params={"access_token": "tok-123"})
    assert len(script.requests) == 2
    error = caught.value
    assert error.status is None and error.retryable is True
    assert error.message == "ReadTimeout: simulated"
    assert error.url == f"{BASE_URL}/slow?access_token=%2A%2A%2A"


async def test_429_exhausted_raises_rate_limited_error() -> None:
    script = Scripted(httpx.Response(429, headers={"Retry-After": "2"}))
    http, sleeps = make_http(script, attempts=2)
    async with http.client:
        with pytest.raises(RateLimitedError) as caught:
            await http.request("GET", "/sale/offers")
    assert caught.value.retry_after == 2.0 and caught.value.retryable is True
    assert sleeps.delays == [2.0]


class ShopApiError(MarketplaceError):
    """What a marketplace client would define."""


def parse_shop_error(response: httpx.Response) -> MarketplaceError:
    details = response.json()["details"]["applicationError"]
    return ShopApiError(details["description"], code=details["code"])


async def test_a_marketplace_parser_maps_its_own_bodies_and_gets_the_shared_fields() -> None:
    body = {"message": "x", "details": {"applicationError": {"code": "NOPE", "description": "No."}}}
    script = Scripted(httpx.Response(404, json=body, headers={"x-wix-request-id": "wix-1"}))
    http, _ = make_http(script, error_parser=parse_shop_error)
    async with http.client:
        with pytest.raises(ShopApiError) as caught:
            await http.request("GET", "/stores/v3/products/abc")
    error = caught.value
    assert (error.status, error.code, error.message) == (404, "NOPE", "No.")
    assert (error.request_id, error.method) == ("wix-1", "GET")
    assert error.url == f"{BASE_URL}/stores/v3/products/abc"
    assert "status=404" in str(error) and "request_id=wix-1" in str(error)


async def test_default_parser_masks_tokens_echoed_in_messages() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJ1c2VyX25hbWUiOiI0MiJ9.c2lnbmF0dXJl"
    body = {"error": "invalid_token", "error_description": f"Access token expired: {jwt}"}
    http, _ = make_http(Scripted(httpx.Response(401, json=body)))
    async with http.client:
        with pytest.raises(MarketplaceError) as caught:
            await http.request("GET", "/me")
    assert caught.value.code == "invalid_token"
    assert caught.value.message == "Access token expired: ***"
    assert mask_secrets("header was Bearer abc.def-123 ok") == "header was *** ok"


def test_error_context_gives_parsers_the_shared_fields() -> None:
    request = httpx.Request("GET", f"{BASE_URL}/x?client_secret=s3cret&page=2")
    response = httpx.Response(
        503, headers={"x-request-id": "r-9", "Retry-After": "4"}, request=request
    )
    assert http_error_context is error_context, "still importable from http"
    assert error_context(response) == {
        "status": 503,
        "request_id": "r-9",
        "method": "GET",
        "url": f"{BASE_URL}/x?client_secret=%2A%2A%2A&page=2",
        "retryable": True,
        "retry_after": 4.0,
    }


async def test_every_attempt_takes_a_limiter_slot_and_the_extra_budgets() -> None:
    taken: list[tuple[str, int]] = []
    script = Scripted(httpx.Response(503), httpx.Response(200))
    http, _ = make_http(script, limiter=CountingLimiter("client", taken))
    seller = CountingLimiter("seller-offer-changes", taken)
    async with http.client:
        await http.request(
            "PUT", "/sale/offer-quantity-change-commands/c1", extra_limits=[(seller, 250)]
        )
    assert taken == [("client", 1), ("seller-offer-changes", 250)] * 2
    assert http.stats.limiter_wait_s >= 0.0


async def test_requests_draw_on_the_shared_redis_budget() -> None:
    redis = Redis.from_url(os.environ["REDIS_URL"])
    budget = Budget(rate=5, period_s=60.0, burst=2)
    limiter = budget.limiter(redis, f"test:http:{uuid.uuid4().hex}", time_scale=600.0)
    script = Scripted(httpx.Response(200))
    http, _ = make_http(script, limiter=limiter)
    try:
        async with http.client:
            for _ in range(6):
                await http.request("GET", "/stores/v1/products/query")
    finally:
        await redis.aclose()
    assert len(script.requests) == 6
    assert http.stats.limiter_wait_s > 0, "past the burst of 2, slots are waited for"


async def test_logs_never_contain_secrets(caplog: pytest.LogCaptureFixture) -> None:
    secrets = ["Bearer-tok-7f3a9", "api-key-5c2e1", "client-secret-88d0", "refresh-0b61c"]
    script = Scripted(
        httpx.Response(503, headers={"trace-id": "t-1"}),
        httpx.Response(200, headers={"trace-id": "t-2"}, json={"access_token": secrets[0]}),
    )
    http, _ = make_http(script)
    caplog.set_level(logging.DEBUG)
    async with http.client:
        await http.request(
            "POST",
            "/auth/oauth/token",
            params={"grant_type": "refresh_token", "refresh_token": secrets[3]},
            headers={"Authorization": f"Bearer {secrets[0]}", "X-Api-Key": secrets[1]},
            json={"client_secret": secrets[2]},
            idempotent=True,
        )
    assert script.requests[0].headers["Authorization"] == f"Bearer {secrets[0]}"
    lines = [r for r in caplog.records if r.name == "server.marketplaces.http"]
    assert len(lines) == 2
    assert "status=503" in lines[0].getMessage() and "request_id=t-1" in lines[0].getMessage()
    assert "marketplace=allegro account=shop-1 method=POST path=/auth/oauth/token" in (
        lines[1].getMessage()
    )
    fields = vars(lines[1])
    assert (fields["http_status"], fields["attempt"], fields["request_id"]) == (200, 2, "t-2")
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert httpx_lines and all("refresh_token=%2A%2A%2A" in line for line in httpx_lines)
    everything = caplog.text + " ".join(str(vars(record)) for record in caplog.records)
    for secret in secrets:
        assert secret not in everything


async def test_stats_count_by_route_and_status() -> None:
    script = Scripted(httpx.Response(200), httpx.Response(200), httpx.Response(404))
    http, _ = make_http(script)
    async with http.client:
        await http.request("GET", "/sale/product-offers/16885969603")
        await http.request("GET", "/sale/product-offers/2865624934")
        with pytest.raises(MarketplaceError):
            await http.request("GET", "/order/checkout-forms", route="/order/checkout-forms")
    snapshot = http.stats.snapshot()
    assert snapshot["by_route"] == {
        "GET /order/checkout-forms": 1,
        "GET /sale/product-offers/{id}": 2,
    }
    assert snapshot["by_status"] == {200: 2, 404: 1}
    assert (snapshot["requests"], snapshot["attempts"], snapshot["failures"]) == (3, 3, 1)


async def test_works_over_asgi_transport() -> None:
    """A tiny ASGI app (what the sandboxes are) behind the factory's injected transport."""
    calls: list[str] = []

    async def app(
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        calls.append(scope["path"])
        status = 503 if len(calls) == 1 else 200
        headers = [(b"content-type", b"application/json"), (b"x-wix-request-id", b"w-2")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"inventoryItems": []}'})

    sleeps = Sleeps()
    transport = httpx.ASGITransport(app=app)
    async with build_http_client("http://wix.sandbox", 2.0, transport=transport) as client:
        http = MarketplaceHttp(client, NullLimiter(), RetryPolicy(sleep=sleeps), "wix", "site-1")
        response = await http.request("POST", "/stores/v2/inventoryItems/query", idempotent=True)
    assert response.json() == {"inventoryItems": []}
    assert calls == ["/stores/v2/inventoryItems/query"] * 2
    assert len(sleeps.delays) == 1


async def test_client_factory_pools_and_times_out_from_settings() -> None:
    async with build_http_client(BASE_URL) as client:
        assert client.timeout.read == get_settings().sync_timeout_seconds
        assert client.base_url.host == "api.marketplace.test"
    async with build_http_client(BASE_URL, 3.0, headers={"User-Agent": "StockBridge/1"}) as client:
        assert client.timeout.read == 3.0 and client.timeout.connect == 3.0
        assert client.headers["User-Agent"] == "StockBridge/1"


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://a.test/p?limit=5", "https://a.test/p?limit=5"),
        ("https://a.test/p?refresh_token=x&a=1", "https://a.test/p?refresh_token=%2A%2A%2A&a=1"),
        ("https://a.test/p?device_code=x", "https://a.test/p?device_code=%2A%2A%2A"),
        ("https://a.test/p?apiKey=x", "https://a.test/p?apiKey=%2A%2A%2A"),
        ("https://user:pw@a.test/p", "https://a.test/p"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/sale/product-offers/16885969603", "/sale/product-offers/{id}"),
        (
            "/sale/offer-quantity-change-commands/0f8d1c2e-6a4b-4c1d-9e2f-1a2b3c4d5e6f/tasks",
            "/sale/offer-quantity-change-commands/{id}/tasks",
        ),
        ("/stores/v3/inventory-items/bulk/update", "/stores/v3/inventory-items/bulk/update"),
        ("/stores/v1/products/query?x=1", "/stores/v1/products/query"),
    ],
)
def test_route_of(path: str, route: str) -> None:
    assert route_of(path) == route
