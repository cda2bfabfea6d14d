"""The Wix client's failures over real HTTP: every error shape, 401, 429 backoff, 5xx retries."""

from __future__ import annotations

import os

import httpx
import pytest
from redis.asyncio import Redis

from server.marketplaces.ratelimit import Budget
from server.marketplaces.wix import (
    WixApiError,
    WixInventoryUpdate,
    WixRateLimitedError,
)
from server.sandboxes.wix import WixContractOptions
from tests.marketplaces.test_wix_harness import (
    OTHER_KEY,
    SITE_NONE,
    SITE_V1,
    SITE_V3,
    clean_database,  # noqa: F401 - fixture
    config,
    wix_env,
)

VERSION = "GET /stores/v3/provision/version"
V3_QUERY = "POST /stores/v3/inventory-items/query"


async def test_bad_key_is_a_401_with_wix_code_and_request_id() -> None:
    async with wix_env(key="not-the-key") as env:
        with pytest.raises(WixApiError) as caught:
            await env.client("V1").catalog_version()
    error = caught.value
    assert (error.status, error.code) == (401, "UNAUTHENTICATED")
    assert error.message == "Invalid authorization token"
    assert error.request_id and error.retryable is False
    assert env.count(VERSION) == 1  # a 401 is not retried


async def test_key_of_another_account_is_a_403() -> None:
    async with wix_env(key=OTHER_KEY) as env:
        with pytest.raises(WixApiError) as caught:
            await env.client("V3").get_all_inventory_items()
    assert (caught.value.status, caught.value.code) == (403, "PERMISSION_DENIED")


async def test_429_backs_off_then_succeeds() -> None:
    async with wix_env() as env:
        env.sandbox.control.script("429", "429")
        version = await env.client("V3").catalog_version()
    assert version == "V3_CATALOG"
    assert env.sandbox.control.counters.statuses[VERSION] == {429: 2, 200: 1}
    assert env.time.delays == [0.25, 0.5]  # full jitter 0.5 of 0.5 s, then of 1 s


async def test_429_that_persists_raises_a_rate_limit_error() -> None:
    async with wix_env() as env:
        env.sandbox.control.script("429", "429", "429")
        with pytest.raises(WixRateLimitedError) as caught:
            await env.client("V1").catalog_version()
    assert caught.value.status == 429 and caught.value.code == "RESOURCE_EXHAUSTED"
    assert env.count(VERSION, 429) == 3


async def test_the_real_window_429_and_retry_after() -> None:
    options = WixContractOptions(rate_limit_per_minute=2, retry_after_on_429=True)
    async with wix_env(config(options=options, time_scale=100)) as env:
        client = env.client("V3")
        await client.catalog_version()
        await client.query_inventory()
        page = await client.query_inventory()  # third call: 429, Retry-After 1 s, then success
    assert page.inventory_items
    assert env.count(V3_QUERY, 429) == 1 and env.count(V3_QUERY, 200) == 2
    assert env.time.delays == [1.0]


async def test_5xx_are_retried_then_give_a_clear_error() -> None:
    async with wix_env() as env:
        env.sandbox.control.script("5xx", "5xx", "5xx")
        with pytest.raises(WixApiError) as caught:
            await env.client("V1").catalog_version()
        env.sandbox.control.script("5xx")
        recovered = await env.client("V1").catalog_version()
    error = caught.value
    assert error.status in (500, 503) and error.retryable
    assert error.message.startswith("Wix answered 50")  # 5xx bodies are empty by design
    assert "GET" in str(error) and "/stores/v3/provision/version" in str(error)
    assert env.count(VERSION) == 5 and recovered == "V1_CATALOG"


class GarbageTransport(httpx.AsyncBaseTransport):
    """Answers the catalogue-version call with a 200 whose body is not Wix's."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"catalogVersion": 7}', request=request)


async def test_unreadable_success_body_is_an_error() -> None:
    async with wix_env(wrap=lambda _sandbox, _inner: GarbageTransport()) as env:
        with pytest.raises(WixApiError) as caught:
            await env.client("V1").catalog_version()
    assert caught.value.code == "UNEXPECTED_RESPONSE" and caught.value.status == 200


async def test_html_error_page_is_handled() -> None:
    async with wix_env(config(options=WixContractOptions(html_5xx=True)), attempts=1) as env:
        env.sandbox.control.script("5xx")
        with pytest.raises(WixApiError) as caught:
            await env.client("V3").catalog_version()
    assert caught.value.code is None and caught.value.status in (500, 503)


async def test_dropped_connections_and_timeouts_are_retried() -> None:
    async with wix_env(client_timeout=0.2) as env:
        env.sandbox.control.script("drop", "timeout")
        version = await env.client("V3").catalog_version()
        env.sandbox.control.script("drop", "drop", "drop")
        with pytest.raises(WixApiError) as caught:
            await env.client("V3").catalog_version(refresh=True)
    assert version == "V3_CATALOG"
    assert caught.value.status is None and "RemoteProtocolError" in caught.value.message


async def test_relative_writes_are_never_retried() -> None:
    async with wix_env() as env:
        client = env.client("V3")
        rows = await client.products_by_skus(["TS-S"])
        update = WixInventoryUpdate(
            variant_id=rows[0].variant_id, inventory_item_id=rows[0].inventory_item_id, quantity=1
        )
        env.sandbox.control.script("5xx")
        with pytest.raises(WixApiError):
            await client.update_inventory([update], increment=True)
    assert env.count("POST /stores/v3/bulk/inventory-items/increment") == 1
    assert env.stock("V3")["TS-S"][0]["quantity"] == 3


async def test_validation_errors_carry_violations() -> None:
    async with wix_env(config(options=WixContractOptions(v1_offset_ceiling=50))) as env:
        with pytest.raises(WixApiError) as caught:
            await env.client("V1").query_inventory(limit=10, offset=45)
    error = caught.value
    assert error.status == 400 and error.code == "OUT_OF_RANGE"
    assert error.violations[0]["field"] == "query.paging.offset"
    assert "numericId" in error.message


async def test_catalogue_upgrade_is_followed_by_reads_not_by_relative_writes() -> None:
    async with wix_env() as env:
        client = env.client("V1")
        rows = await client.products_by_skus(["TS-S"])
        env.sandbox.sites[SITE_V1].catalog = "V3_CATALOG"  # the site was upgraded meanwhile
        page = await client.query_inventory()
        assert await client.catalog_version() == "V3_CATALOG"
        env.sandbox.sites[SITE_V1].catalog = "V1_CATALOG"  # and back again
        update = WixInventoryUpdate(variant_id=rows[0].variant_id, quantity=1)
        with pytest.raises(WixApiError) as mismatch:
            await client.update_inventory([update], increment=True)
        with pytest.raises(WixApiError) as missing:
            await env.clients[SITE_NONE].get_all_products()
    assert page.paging.count == 8  # read again on the V3 paths
    assert (mismatch.value.status, mismatch.value.code) == (428, "CATALOG_VERSION_MISMATCH")
    assert env.count("POST /stores/v3/bulk/inventory-items/increment-by-variant-and-location") == 1
    assert missing.value.code == "STORES_NOT_INSTALLED"


async def test_shared_budget_keeps_the_sandbox_window() -> None:
    """The Redis budget (20/min, a minute compressed to 1 s) never trips the sandbox's window."""
    redis = Redis.from_url(os.environ["REDIS_URL"])
    try:
        await redis.delete("ratelimit:wix:test-budget")
        budget = Budget(rate=20, period_s=60.0, burst=5)
        limiter = budget.limiter(redis, "ratelimit:wix:test-budget", time_scale=60.0)
        options = WixContractOptions(rate_limit_per_minute=20)
        cfg = config(options=options, time_scale=60)
        async with wix_env(cfg, limiter=limiter, real_time=True) as env:
            client = env.clients[SITE_V3]
            for _ in range(30):
                await client.catalog_version(refresh=True)
        peak = env.sandbox.control.counters.peak(SITE_V3, 1.0)
    finally:
        await redis.aclose()
    assert env.count(VERSION, 429) == 0
    assert env.count(VERSION, 200) == 30
    assert peak <= 20
