"""Allegro client over HTTP to the sandbox: offer paging and filters, stock PATCH (200/202/409)."""

from __future__ import annotations

import httpx
import pytest

from server.marketplaces.allegro import VENDOR_TYPE, AllegroApiError
from server.sandboxes.allegro import AllegroSandboxConfig, generate_seed
from tests.marketplaces.test_allegro_harness import (
    USER_AGENT,
    VENDOR,
    allegro_env,
    clean_database,  # noqa: F401
)

LIST = "GET /sale/offers"
PATCH = "PATCH /sale/product-offers/{offer_id}"
OPERATION = "GET /sale/product-offers/{offer_id}/operations/{operation_id}"


async def test_paging_to_the_last_page() -> None:
    async with allegro_env(seed=generate_seed(2, 2500)) as env:
        offers = await env.client.all_offers()
        assert [o.id for o in offers] == [o.id for o in env.offers_of()]
        assert env.count(LIST) == 3
        small = [o async for o in env.client.iter_offers(page_size=700)]
        assert len(small) == 2500 and env.count(LIST) == 3 + 4
        with pytest.raises(ValueError, match="limit"):
            await env.client.search_offers(limit=1001)


async def test_filters_by_external_id_offer_id_and_status() -> None:
    async with allegro_env(seed=generate_seed(1, 400)) as env:
        stored = env.offers_of()
        skus = [o.external_id for o in stored if o.external_id][:150]
        found = await env.client.all_offers(external_ids=skus)
        assert sorted(o.sku or "" for o in found) == sorted(skus)
        assert env.count(LIST) == 2  # 100 external ids per request
        ids = [o.id for o in stored[:5]]
        by_id = await env.client.all_offers(offer_ids=ids)
        assert sorted(o.id for o in by_id) == sorted(ids)
        ended = await env.client.all_offers(statuses=["ENDED"])
        assert {o.id for o in ended} == {o.id for o in stored if o.status == "ENDED"}
        assert all(o.status == "ENDED" for o in ended)
        no_sku = [o for o in stored if o.external_id is None]
        if no_sku:
            (only,) = await env.client.all_offers(offer_ids=[no_sku[0].id])
            assert only.sku is None and only.external is None


async def test_headers_on_every_request() -> None:
    async with allegro_env(AllegroSandboxConfig(patch_async_share=0.0)) as env:
        seen: list[httpx.Request] = []

        async def record(request: httpx.Request) -> None:
            seen.append(request)

        env.api.client.event_hooks["request"].append(record)
        offer = env.offers_of()[0]
        await env.client.search_offers(limit=1)
        await env.client.set_stock(offer.id, 9)
        for request in seen:
            assert request.headers["accept"] == VENDOR_TYPE == VENDOR
            assert request.headers["user-agent"] == USER_AGENT
            assert request.headers["authorization"].startswith("Bearer ")
        patch = next(r for r in seen if r.method == "PATCH")
        assert patch.headers["content-type"] == VENDOR
        assert patch.content == b'{"stock":{"available":9}}'


async def test_set_stock_200_zero_ends_restock_needs_activate() -> None:
    async with allegro_env(AllegroSandboxConfig(patch_async_share=0.0)) as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE")
        result = await env.client.set_stock(offer.id, 0)
        assert result.available == 0 and result.status == "ENDED"
        assert result.publication is not None and result.publication.ended_by == "EMPTY_STOCK"
        restocked = await env.client.set_stock(offer.id, 6)
        assert restocked.available == 6 and restocked.status == "ENDED"
        active = await env.client.set_stock(offer.id, 6, activate=True)
        assert active.status == "ACTIVE"
        assert env.count(PATCH, 200) == 3 and env.count(OPERATION) == 0
        with pytest.raises(ValueError, match="activated only"):
            await env.client.set_stock(offer.id, 0, activate=True)


async def test_set_stock_202_polls_the_operation_until_303() -> None:
    async with allegro_env(AllegroSandboxConfig(operation_delay_s=3.0)) as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE")
        result = await env.client.set_stock(offer.id, 42)
        assert result.available == 42 and offer.available == 42
        assert env.count(PATCH, 202) == 1
        assert env.count(OPERATION, 202) == 2 and env.count(OPERATION, 303) == 1
        assert env.sleep.delays == [1.0, 1.0, 1.0]  # the announced Retry-after


async def test_409_while_the_previous_edit_runs_backs_off_then_succeeds() -> None:
    async with allegro_env(AllegroSandboxConfig(operation_delay_s=5.0)) as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE")
        assert env.tokens.tokens is not None
        headers = env.headers(env.tokens.tokens.access_token, **{"Content-Type": VENDOR})
        first = await env.raw.patch(
            f"/sale/product-offers/{offer.id}",
            headers=headers,
            content=b'{"stock":{"available":1}}',
        )
        assert first.status_code == 202
        result = await env.client.set_stock(offer.id, 3)
        assert result.available == 3
        assert env.count(PATCH, 409) == 2 and env.sleep.delays[:2] == [2.0, 4.0]


async def test_409_that_never_clears_is_raised() -> None:
    async with allegro_env(AllegroSandboxConfig(operation_delay_s=10_000.0)) as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE")
        assert env.tokens.tokens is not None
        headers = env.headers(env.tokens.tokens.access_token, **{"Content-Type": VENDOR})
        await env.raw.patch(
            f"/sale/product-offers/{offer.id}",
            headers=headers,
            content=b'{"stock":{"available":1}}',
        )
        with pytest.raises(AllegroApiError) as caught:
            await env.client.set_stock(offer.id, 3)
        assert caught.value.status == 409 and caught.value.codes == ["OfferConflictException"]
        assert env.count(PATCH, 409) == 5


async def test_get_offer_and_me() -> None:
    async with allegro_env() as env:
        offer = env.offers_of()[0]
        full = await env.client.get_offer(offer.id)
        assert (full.id, full.available, full.status) == (offer.id, offer.available, offer.status)
        assert (await env.client.me()).id == offer.seller_id


async def test_spec_403_for_a_stale_token_on_sale_offers_refreshes_once() -> None:
    async with allegro_env(AllegroSandboxConfig(offers_bad_token_status=403)) as env:
        tokens = env.tokens.tokens
        assert tokens is not None
        env.runtime.store.access_tokens[tokens.access_token].revoked = True
        page = await env.client.search_offers(limit=5)
        assert page.count == 5
        assert env.count(LIST, 403) == 1 and env.count("POST /auth/oauth/token", 200) == 1
        env.runtime.store.access_tokens.clear()
        env.runtime.store.refresh_tokens.clear()
        with pytest.raises(AllegroApiError):
            await env.client.search_offers(limit=5)
