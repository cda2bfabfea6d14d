"""Allegro sandbox, auth host and token checks: device flow, rotation, 401 shapes, headers."""

from __future__ import annotations

import base64

import httpx

from server.sandboxes.allegro import AllegroSandboxConfig
from tests.marketplaces.test_allegro_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    SELLER,
    USER_AGENT,
    VENDOR,
    Env,
    allegro_env,
    clean_database,  # noqa: F401
)

BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


async def _start(env: Env) -> dict[str, object]:
    response = await env.raw.post(
        "/auth/oauth/device", headers={"Authorization": BASIC}, data={"client_id": CLIENT_ID}
    )
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


async def _poll(env: Env, device_code: object, *, in_query: bool = False) -> httpx.Response:
    params = {"grant_type": DEVICE_GRANT, "device_code": str(device_code)}
    if in_query:
        return await env.raw.post(
            "/auth/oauth/token", headers={"Authorization": BASIC}, params=params
        )
    return await env.raw.post("/auth/oauth/token", headers={"Authorization": BASIC}, data=params)


async def test_device_flow_pending_slow_down_approved_then_code_spent() -> None:
    async with allegro_env(connect=False) as env:
        start = await _start(env)
        assert start["interval"] == 5 and start["expires_in"] == 3600
        assert str(start["verification_uri_complete"]).endswith(f"?code={start['user_code']}")
        first = await _poll(env, start["device_code"])
        assert (first.status_code, first.json()) == (400, {"error": "authorization_pending"})
        too_soon = await _poll(env, start["device_code"])
        assert too_soon.json() == {"error": "slow_down"}
        await env.admin(
            "POST", "/device/approve", json={"userCode": start["user_code"], "seller": SELLER}
        )
        env.clock.advance(10)
        done = await _poll(env, start["device_code"], in_query=True)
        assert done.status_code == 200
        body = done.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 43199
        assert {"access_token", "refresh_token", "scope", "jti"} <= body.keys()
        me = await env.raw.get("/me", headers=env.headers(body["access_token"]))
        assert me.json()["login"] == SELLER
        again = await _poll(env, start["device_code"])
        assert again.json() == {"error": "Invalid device code"}


async def test_device_flow_denied_expired_and_bad_client() -> None:
    async with allegro_env(connect=False) as env:
        denied = await _start(env)
        await env.admin("POST", "/device/deny", json={"userCode": denied["user_code"]})
        assert (await _poll(env, denied["device_code"])).json() == {"error": "access_denied"}
        expired = await _start(env)
        env.clock.advance(3601)
        assert (await _poll(env, expired["device_code"])).json()["error"] == "expired_token"
        bad = await env.raw.post(
            "/auth/oauth/device",
            headers={"Authorization": "Basic " + base64.b64encode(b"x:y").decode()},
        )
        assert bad.status_code == 401 and bad.json()["error"] == "unauthorized"


async def test_verification_page_approves_with_the_form() -> None:
    async with allegro_env(connect=False) as env:
        start = await _start(env)
        page = await env.raw.get("/skojarz-aplikacje", params={"code": str(start["user_code"])})
        assert page.status_code == 200 and str(start["user_code"]) in page.text
        answer = await env.raw.post(
            "/skojarz-aplikacje",
            data={"code": start["user_code"], "login": SELLER, "decision": "approve"},
        )
        assert "Allowed." in answer.text
        env.clock.advance(5)
        assert (await _poll(env, start["device_code"])).status_code == 200


async def _refresh(env: Env, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await env.raw.post("/auth/oauth/token", headers={"Authorization": BASIC}, data=form)


async def test_refresh_rotates_and_spends_the_old_pair() -> None:
    async with allegro_env() as env:
        old = env.tokens.tokens
        assert old is not None
        new = await _refresh(env, old.refresh_token)
        assert new.status_code == 200
        assert new.json()["refresh_token"] != old.refresh_token
        reused = await _refresh(env, old.refresh_token)
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        stale = await env.raw.get("/me", headers=env.headers(old.access_token))
        assert stale.status_code == 401 and stale.json()["error"] == "invalid_token"
        fresh = await env.raw.get("/me", headers=env.headers(new.json()["access_token"]))
        assert fresh.status_code == 200
        env.clock.advance(91 * 24 * 3600)
        expired = await _refresh(env, new.json()["refresh_token"])
        assert (expired.status_code, expired.json()["error"]) == (401, "Unauthorized")


async def test_refresh_grace_window_when_configured() -> None:
    async with allegro_env(AllegroSandboxConfig(refresh_reuse_grace_s=60)) as env:
        old = env.tokens.tokens
        assert old is not None
        assert (await _refresh(env, old.refresh_token)).status_code == 200
        env.clock.advance(30)
        assert (await _refresh(env, old.refresh_token)).status_code == 200
        env.clock.advance(31)
        assert (await _refresh(env, old.refresh_token)).status_code == 400


async def test_401_shapes_for_missing_unknown_and_expired_tokens() -> None:
    async with allegro_env() as env:
        missing = await env.raw.get("/me", headers={"Accept": VENDOR, "User-Agent": USER_AGENT})
        assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
        assert missing.headers["content-type"] == "application/json;charset=UTF-8"
        unknown = await env.raw.get("/me", headers=env.headers("not-a-token"))
        assert unknown.json() == {
            "error": "invalid_token",
            "error_description": "Cannot convert access token to JSON",
        }
        tokens = env.tokens.tokens
        assert tokens is not None
        env.clock.advance(43200)
        expired = await env.raw.get("/sale/offers", headers=env.headers(tokens.access_token))
        assert expired.status_code == 401
        assert expired.json()["error_description"].startswith("Access token expired: ")


async def test_spec_reading_403_for_a_bad_token_on_sale_offers() -> None:
    async with allegro_env(AllegroSandboxConfig(offers_bad_token_status=403)) as env:
        response = await env.raw.get("/sale/offers", headers=env.headers("nope"))
        assert response.status_code == 403 and "errors" in response.json()


async def test_header_rules_accept_content_type_user_agent_and_trace_id() -> None:
    async with allegro_env() as env:
        tokens = env.tokens.tokens
        assert tokens is not None
        token = tokens.access_token
        ok = await env.raw.get("/me", headers=env.headers(token))
        assert ok.headers["content-type"] == VENDOR
        assert len(ok.headers["trace-id"]) == 16
        wrong_accept = await env.raw.get(
            "/me", headers=env.headers(token, Accept="application/json")
        )
        assert wrong_accept.status_code == 406
        assert wrong_accept.json()["errors"][0]["code"] == "NotAcceptableException"
        offer = env.offers_of()[0]
        wrong_type = await env.raw.patch(
            f"/sale/product-offers/{offer.id}",
            headers=env.headers(token, **{"Content-Type": "application/json"}),
            content=b'{"stock": {"available": 3}}',
        )
        assert wrong_type.status_code == 415
        assert wrong_type.json()["errors"][0]["code"] == "NotSupportedException"
        no_agent = await env.raw.get("/me", headers=env.headers(token, **{"User-Agent": "python"}))
        assert no_agent.status_code == 403
        assert no_agent.json()["errors"][0]["code"] == "USER_AGENT_REQUIRED"
