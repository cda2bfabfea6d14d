"""Allegro sandbox: rate limits (Client ID block, per-seller budgets), faults, counters, admin."""

from __future__ import annotations

import uuid

import msgspec

from server.sandboxes.allegro import AllegroLimits, AllegroSandboxConfig, LimitRule
from tests.marketplaces.test_allegro_harness import (
    OTHER_SELLER,
    VENDOR,
    Env,
    allegro_env,
    clean_database,  # noqa: F401
)

TOO_MANY: dict[str, object] = {
    "code": "TooManyRequestsException",
    "message": "An error occurred",
    "details": None,
    "path": None,
    "userMessage": "Server is unable to respond to your query. Try again in a few minutes.",
    "metadata": {},
}


def _limits(**rules: LimitRule) -> AllegroSandboxConfig:
    return AllegroSandboxConfig(limits=AllegroLimits(**rules))  # type: ignore[arg-type]


def _token(env: Env) -> str:
    assert env.tokens.tokens is not None
    return env.tokens.tokens.access_token


async def test_client_id_budget_blocks_every_seller_for_a_minute() -> None:
    config = _limits(global_per_client=LimitRule(limit=5, block_s=60.0))
    async with allegro_env(config) as env:
        other = await env.issue_tokens(OTHER_SELLER)
        for _ in range(5):
            assert (await env.raw.get("/me", headers=env.headers(_token(env)))).status_code == 200
        blocked = await env.raw.get("/me", headers=env.headers(_token(env)))
        assert blocked.status_code == 429 and blocked.json() == {"errors": [TOO_MANY]}
        assert "retry-after" not in blocked.headers
        assert blocked.headers["content-type"] == "application/json;charset=UTF-8"
        env.clock.advance(59)
        also = await env.raw.get("/me", headers=env.headers(other.access_token))
        assert also.status_code == 429
        env.clock.advance(2)
        assert (
            await env.raw.get("/me", headers=env.headers(other.access_token))
        ).status_code == 200
        counters = (await env.raw.get("/_sandbox/counters", params={"window_s": 60})).json()
        assert counters["statuses"]["GET /me"]["429"] == 2


async def test_time_scale_compresses_the_window_and_retry_after_toggle() -> None:
    config = AllegroSandboxConfig(
        limits=AllegroLimits(global_per_client=LimitRule(limit=2, block_s=60.0)),
        time_scale=100,
        retry_after_on_429=True,
    )
    async with allegro_env(config) as env:
        for _ in range(2):
            await env.raw.get("/me", headers=env.headers(_token(env)))
        blocked = await env.raw.get("/me", headers=env.headers(_token(env)))
        assert blocked.status_code == 429 and blocked.headers["retry-after"] == "1"
        env.clock.advance(0.61)
        assert (await env.raw.get("/me", headers=env.headers(_token(env)))).status_code == 200


async def test_per_seller_patch_budget_counts_failures_double() -> None:
    config = _limits(product_offer_patch=LimitRule(limit=4))
    async with allegro_env(config) as env:
        headers = env.headers(_token(env), **{"Content-Type": VENDOR})
        offer = env.offers_of()[0]
        bad = await env.raw.patch(
            f"/sale/product-offers/{offer.id}",
            headers=headers,
            content=b'{"stock": {"available": -1}}',
        )
        assert bad.status_code == 422  # costs 2 of 4
        offers = [o.id for o in env.offers_of()[1:3]]
        for offer_id in offers:
            ok = await env.raw.patch(
                f"/sale/product-offers/{offer_id}",
                headers=headers,
                content=b'{"stock": {"available": 3}}',
            )
            assert ok.status_code == 202
        over = await env.raw.patch(
            f"/sale/product-offers/{offers[0]}", headers=headers, content=b"{}"
        )
        assert over.status_code == 429
        other = await env.issue_tokens(OTHER_SELLER)
        theirs = env.offers_of(OTHER_SELLER)[0]
        ok = await env.raw.patch(
            f"/sale/product-offers/{theirs.id}",
            headers=env.headers(other.access_token, **{"Content-Type": VENDOR}),
            content=b'{"stock": {"available": 3}}',
        )
        assert ok.status_code == 202  # the budget is per seller


async def test_command_budget_counts_offers_not_requests() -> None:
    config = _limits(offer_changes_minute=LimitRule(limit=5))
    async with allegro_env(config) as env:
        headers = env.headers(_token(env), **{"Content-Type": VENDOR})
        ids = [o.id for o in env.offers_of()[:3]]
        body = {
            "modification": {"changeType": "FIXED", "value": 2},
            "offerCriteria": [{"type": "CONTAINS_OFFERS", "offers": [{"id": i} for i in ids]}],
        }
        first = await env.raw.put(
            f"/sale/offer-quantity-change-commands/{uuid.uuid4()}",
            headers=headers,
            content=msgspec.json.encode(body),
        )
        assert first.status_code == 201
        second = await env.raw.put(
            f"/sale/offer-quantity-change-commands/{uuid.uuid4()}",
            headers=headers,
            content=msgspec.json.encode(body),
        )
        assert second.status_code == 429


async def test_injected_faults_render_allegro_bodies_and_reset_restores_the_seed() -> None:
    async with allegro_env() as env:
        await env.admin("POST", "/faults/script", json={"faults": ["5xx", "429"]})
        crashed = await env.raw.get("/me", headers=env.headers(_token(env)))
        assert crashed.status_code in (500, 503)
        assert crashed.json()["errors"][0]["code"] in (
            "INTERNAL_SERVER_ERROR",
            "SERVICE_UNAVAILABLE",
        )
        limited = await env.raw.get("/me", headers=env.headers(_token(env)))
        assert (
            limited.status_code == 429
            and limited.json()["errors"][0]["code"] == "TooManyRequestsException"
        )
        offer = env.offers_of()[0]
        seeded = (offer.id, offer.available, offer.status)
        changed = await env.admin("PUT", f"/offers/{offer.id}/stock", json={"available": 0})
        assert changed["publication"]["status"] == "ENDED"
        assert (await env.admin("GET", "/state"))["sellers"][0]["offers"] == 30
        await env.admin("POST", "/reset")
        again = env.offers_of()[0]
        assert (again.id, again.available, again.status) == seeded
        counters = await env.admin("GET", "/counters")
        assert counters["total"] == 0
