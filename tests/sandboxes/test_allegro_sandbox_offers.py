"""Allegro sandbox: offer search (filters, paging, limits) and the product-offer PATCH rules."""

from __future__ import annotations

import httpx

from server.sandboxes.allegro import AllegroSandboxConfig, generate_seed
from tests.marketplaces.test_allegro_harness import (
    OTHER_SELLER,
    VENDOR,
    Env,
    allegro_env,
    clean_database,  # noqa: F401
)


def _token(env: Env) -> str:
    assert env.tokens.tokens is not None
    return env.tokens.tokens.access_token


async def _offers(env: Env, params: object) -> httpx.Response:
    return await env.raw.get("/sale/offers", headers=env.headers(_token(env)), params=params)  # type: ignore[arg-type]


async def test_paging_defaults_limits_and_counts() -> None:
    async with allegro_env(seed=generate_seed(2, 45)) as env:
        first = (await _offers(env, {})).json()
        assert first["count"] == 20 and first["totalCount"] == 45
        assert [o["id"] for o in first["offers"]] == [o.id for o in env.offers_of()[:20]]
        last = (await _offers(env, {"limit": 20, "offset": 40})).json()
        assert last["count"] == 5
        assert (await _offers(env, {"limit": 1001})).status_code == 400
        assert (await _offers(env, {"offset": -1})).status_code == 400
        listing = first["offers"][0]
        assert {"id", "name", "stock", "publication", "external", "sellingMode"} <= listing.keys()
        assert listing["sellingMode"]["price"]["currency"] == "PLN"


async def test_filters_external_id_offer_id_and_status() -> None:
    async with allegro_env(seed=generate_seed(2, 45)) as env:
        stored = env.offers_of()
        with_sku = [o for o in stored if o.external_id][:3]
        skus = [o.external_id for o in with_sku]
        by_sku = (await _offers(env, [("external.id", s) for s in skus])).json()
        assert sorted(o["external"]["id"] for o in by_sku["offers"]) == sorted(skus)
        ids = [o.id for o in stored[:3]]
        comma = (await _offers(env, {"offer.id": ",".join(ids)})).json()
        assert sorted(o["id"] for o in comma["offers"]) == sorted(ids)
        repeated = (await _offers(env, [("offer.id", i) for i in ids])).json()
        assert repeated["totalCount"] == 45  # reproduces #11856: a repeated offer.id is ignored
        ended = (await _offers(env, {"publication.status": "ENDED"})).json()
        assert all(o["publication"]["status"] == "ENDED" for o in ended["offers"])
        without_sku = [o for o in stored if o.external_id is None]
        if without_sku:
            found = (await _offers(env, {"offer.id": without_sku[0].id})).json()
            assert found["offers"][0]["external"] is None
        too_many = [("external.id", f"S{i}") for i in range(101)]
        assert (await _offers(env, too_many)).status_code == 400
        assert (await _offers(env, {"publication.status": "GONE"})).status_code == 400


async def test_spec_reading_repeated_offer_id_filters_when_configured() -> None:
    config = AllegroSandboxConfig(offer_id_repeated_ignored=False)
    async with allegro_env(config) as env:
        ids = [o.id for o in env.offers_of()[:2]]
        body = (await _offers(env, [("offer.id", i) for i in ids])).json()
        assert sorted(o["id"] for o in body["offers"]) == sorted(ids)


async def _patch(env: Env, offer_id: str, body: bytes) -> httpx.Response:
    headers = env.headers(_token(env), **{"Content-Type": VENDOR})
    return await env.raw.patch(f"/sale/product-offers/{offer_id}", headers=headers, content=body)


async def test_patch_200_mode_zero_ends_and_restock_stays_ended() -> None:
    async with allegro_env(AllegroSandboxConfig(patch_async_share=0.0)) as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE")
        ended = await _patch(env, offer.id, b'{"stock": {"available": 0}}')
        assert ended.status_code == 200
        assert ended.json()["publication"] == {
            **ended.json()["publication"],
            "status": "ENDED",
            "endedBy": "EMPTY_STOCK",
        }
        restocked = (await _patch(env, offer.id, b'{"stock": {"available": 7}}')).json()
        assert (
            restocked["stock"]["available"] == 7 and restocked["publication"]["status"] == "ENDED"
        )
        active = (await _patch(env, offer.id, b'{"publication": {"status": "ACTIVE"}}')).json()
        assert (
            active["publication"]["status"] == "ACTIVE" and active["publication"]["endedBy"] is None
        )
        refused = await _patch(
            env, offer.id, b'{"stock": {"available": 0}, "publication": {"status": "ACTIVE"}}'
        )
        assert (
            refused.status_code == 422 and refused.json()["errors"][0]["path"] == "stock.available"
        )
        negative = await _patch(env, offer.id, b'{"stock": {"available": -1}}')
        assert negative.status_code == 422
        unknown_fields = await _patch(
            env, offer.id, b'{"stock": {"available": 2}, "b2b": {"x": 1}}'
        )
        assert unknown_fields.status_code == 200


async def test_patch_202_operation_polling_and_409_while_busy() -> None:
    async with allegro_env(AllegroSandboxConfig(operation_delay_s=2.0)) as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE")
        accepted = await _patch(env, offer.id, b'{"stock": {"available": 11}}')
        assert accepted.status_code == 202 and accepted.headers["retry-after"] == "1"
        location = httpx.URL(accepted.headers["location"])
        assert location.path.startswith(f"/sale/product-offers/{offer.id}/operations/")
        busy = await _patch(env, offer.id, b'{"stock": {"available": 12}}')
        assert busy.status_code == 409
        assert busy.json()["errors"][0]["code"] == "OfferConflictException"
        running = await env.raw.get(location.path, headers=env.headers(_token(env)))
        assert running.status_code == 202
        assert running.json()["operation"]["status"] == "PENDING"
        env.clock.advance(1.5)
        halfway = await env.raw.get(location.path, headers=env.headers(_token(env)))
        assert halfway.json()["operation"]["status"] == "IN_PROGRESS"
        env.clock.advance(1)
        done = await env.raw.get(location.path, headers=env.headers(_token(env)))
        assert done.status_code == 303
        assert httpx.URL(done.headers["location"]).path == f"/sale/product-offers/{offer.id}"
        assert offer.available == 11


async def test_offer_errors_foreign_unknown_and_malformed() -> None:
    async with allegro_env() as env:
        foreign = env.offers_of(OTHER_SELLER)[0]
        headers = env.headers(_token(env))
        assert (
            await env.raw.get(f"/sale/product-offers/{foreign.id}", headers=headers)
        ).status_code == 403
        missing = await env.raw.get("/sale/product-offers/123", headers=headers)
        assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NOT_FOUND"
        assert (await env.raw.get("/sale/product-offers/abc", headers=headers)).status_code == 400
        mine = env.offers_of()[0]
        parts = await env.raw.get(
            f"/sale/product-offers/{mine.id}/parts", headers=headers, params={"include": "stock"}
        )
        assert parts.json() == {"id": mine.id, "stock": {"available": mine.available}}
        me = (await env.raw.get("/me", headers=headers)).json()
        assert me["baseMarketplace"] == {"id": "allegro-pl"}
