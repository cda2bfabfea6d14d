"""The shared sandbox machinery through the Wix sandbox: rate window, faults, counters."""

from __future__ import annotations

import httpx
import pytest

from server.sandboxes.common import FaultSettings, RateWindow, RequestCounters
from server.sandboxes.wix import WixContractOptions
from tests.marketplaces.test_wix_harness import (
    SITE_V1,
    SITE_V3,
    clean_database,  # noqa: F401 - fixture
    config,
    headers,
    wix_env,
)

VERSION = "/stores/v3/provision/version"
ENDPOINT = f"GET {VERSION}"


async def test_200_a_minute_per_site_with_time_scale() -> None:
    async with wix_env(config(time_scale=10)) as env:
        statuses = [
            (await env.raw.get(VERSION, headers=headers(SITE_V1))).status_code for _ in range(201)
        ]
        other_site = await env.raw.get(VERSION, headers=headers(SITE_V3))
        refused = await env.raw.get(VERSION, headers=headers(SITE_V1))
        env.time.now += 6.0  # a scaled minute later
        again = await env.raw.get(VERSION, headers=headers(SITE_V1))
        peak = env.sandbox.control.counters.peak(SITE_V1, 6.0)
    assert statuses[:200] == [200] * 200 and statuses[200] == 429
    assert other_site.status_code == 200
    body = refused.json()
    assert refused.status_code == 429 and "retry-after" not in refused.headers
    assert body["details"]["applicationError"]["code"] == "RESOURCE_EXHAUSTED"
    assert again.status_code == 200
    assert peak == 202  # arrivals, refused ones included


async def test_retry_after_on_429_when_configured() -> None:
    options = WixContractOptions(rate_limit_per_minute=1, retry_after_on_429=True)
    async with wix_env(config(options=options)) as env:
        await env.raw.get(VERSION, headers=headers(SITE_V1))
        refused = await env.raw.get(VERSION, headers=headers(SITE_V1))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"


async def test_scripted_faults_look_like_a_real_server() -> None:
    async with wix_env(client_timeout=0.5) as env:
        env.sandbox.control.script("429", "5xx", "drop", "timeout")
        injected_429 = await env.raw.get(VERSION, headers=headers(SITE_V1))
        injected_5xx = await env.raw.get(VERSION, headers=headers(SITE_V1))
        with pytest.raises(httpx.RemoteProtocolError):
            await env.raw.get(VERSION, headers=headers(SITE_V1))
        with pytest.raises(httpx.ReadTimeout):
            await env.raw.get(VERSION, headers=headers(SITE_V1))
        fine = await env.raw.get(VERSION, headers=headers(SITE_V1))
        counts = env.sandbox.control.counters.statuses[ENDPOINT]
    assert injected_429.status_code == 429
    assert injected_5xx.status_code in (500, 503)
    assert injected_5xx.json() == {"message": "", "details": {}}
    assert fine.status_code == 200
    assert counts[0] == 1  # the dropped connection


async def test_html_5xx_when_configured() -> None:
    async with wix_env(config(options=WixContractOptions(html_5xx=True))) as env:
        env.sandbox.control.script("5xx")
        response = await env.raw.get(VERSION, headers=headers(SITE_V1))
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<html>")


async def test_random_faults_are_reproducible_and_validated() -> None:
    settings = {"share_429": 0.3, "share_5xx": 0.2, "seed": 42}

    async def run() -> list[int]:
        async with wix_env() as env:
            changed = await env.raw.put("/_sandbox/faults", json=settings)
            assert changed.status_code == 200
            return [
                (await env.raw.get(VERSION, headers=headers(SITE_V1))).status_code
                for _ in range(40)
            ]

    first, second = await run(), await run()
    assert first == second
    assert 429 in first and 200 in first and any(s >= 500 for s in first)
    async with wix_env() as env:
        invalid = await env.raw.put("/_sandbox/faults", json={"share_429": 0.7, "share_5xx": 0.7})
        scripted = await env.raw.post("/_sandbox/faults/script", json={"faults": ["429", "drop"]})
    assert invalid.status_code == 400
    assert scripted.json() == {"queued": 2}


async def test_latency_uses_the_injected_sleep() -> None:
    async with wix_env() as env:
        env.sandbox.control.set_faults(FaultSettings(latency_s=0.25))
        await env.raw.get(VERSION, headers=headers(SITE_V1))
    assert env.time.delays == [0.25]


async def test_counters_per_endpoint_and_reset() -> None:
    async with wix_env() as env:
        await env.raw.get(VERSION, headers=headers(SITE_V1))
        await env.raw.get(VERSION, headers={"Authorization": "nope", "wix-site-id": SITE_V1})
        await env.raw.post("/stores/v2/inventoryItems/query", headers=headers(SITE_V1), json={})
        snapshot = (await env.raw.get("/_sandbox/counters", params={"window_s": 60})).json()
        await env.raw.post("/_sandbox/counters/reset")
        empty = (await env.raw.get("/_sandbox/counters")).json()
    assert snapshot["endpoints"] == {ENDPOINT: 2, "POST /stores/v2/inventoryItems/query": 1}
    assert snapshot["statuses"][ENDPOINT] == {"200": 1, "401": 1}
    assert snapshot["peaks"] == {SITE_V1: 3}
    assert empty["total"] == 0


def test_rate_window_blocks_costs_and_peaks() -> None:
    now = [0.0]
    window = RateWindow(10, 60.0, time_scale=2, block_s=60.0, clock=lambda: now[0])
    assert window.window_s == 30.0
    assert window.acquire("k", cost=10) is None
    assert window.acquire("k") == 30.0  # over the limit: blocked for a scaled minute
    now[0] = 29.0
    assert window.acquire("k") == pytest.approx(1.0)
    now[0] = 31.0
    assert window.acquire("k") is None
    counters = RequestCounters(clock=lambda: now[0])
    for stamp in (0.0, 1.0, 2.0, 10.0, 10.5):
        now[0] = stamp
        counters.record("GET /x", "k")
    assert counters.peak("k", 2.5) == 3
    assert counters.peak("k", 100.0) == 5
