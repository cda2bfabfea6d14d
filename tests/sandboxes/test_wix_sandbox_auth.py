"""The Wix sandbox's auth, catalogue routing and error bodies, over raw HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.marketplaces.test_wix_harness import (
    KEY,
    OTHER_KEY,
    SITE_NONE,
    SITE_OTHER,
    SITE_V1,
    SITE_V3,
    clean_database,  # noqa: F401 - fixture
    headers,
    wix_env,
)

VERSION = "/stores/v3/provision/version"


def _app_error(body: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = body["details"]["applicationError"]
    return error


@pytest.mark.parametrize(
    ("site", "expected"),
    [(SITE_V1, "V1_CATALOG"), (SITE_V3, "V3_CATALOG"), (SITE_NONE, "STORES_NOT_INSTALLED")],
)
async def test_catalog_version_per_site(site: str, expected: str) -> None:
    async with wix_env() as env:
        response = await env.raw.get(VERSION, headers=headers(site))
    assert response.status_code == 200
    assert response.json() == {"catalogVersion": expected}
    assert response.headers["x-wix-request-id"]


@pytest.mark.parametrize(
    ("sent", "status", "code"),
    [
        ({"wix-site-id": SITE_V1}, 401, "UNAUTHENTICATED"),
        ({"Authorization": "wrong", "wix-site-id": SITE_V1}, 401, "UNAUTHENTICATED"),
        ({"Authorization": f"Bearer {KEY}", "wix-site-id": SITE_V1}, 401, "UNAUTHENTICATED"),
        ({"Authorization": KEY}, 403, "PERMISSION_DENIED"),
        ({"Authorization": KEY, "wix-site-id": SITE_OTHER}, 403, "PERMISSION_DENIED"),
        ({"Authorization": OTHER_KEY, "wix-site-id": SITE_V1}, 403, "PERMISSION_DENIED"),
    ],
)
async def test_auth_failures_have_wix_error_bodies(
    sent: dict[str, str], status: int, code: str
) -> None:
    async with wix_env() as env:
        response = await env.raw.get(VERSION, headers=sent)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"message", "details"}
    assert body["message"]
    assert _app_error(body)["code"] == code


async def test_site_and_account_headers_together_are_refused() -> None:
    async with wix_env() as env:
        response = await env.raw.get(
            VERSION, headers={**headers(SITE_V1), "wix-account-id": "acc-1"}
        )
    assert response.status_code == 400
    assert response.json()["details"]["validationError"]["fieldViolations"][0]["field"] == (
        "wix-account-id"
    )


async def test_other_catalogue_endpoints_answer_428() -> None:
    async with wix_env() as env:
        v3_on_v1 = await env.raw.post(
            "/stores/v3/inventory-items/query", headers=headers(SITE_V1), json={}
        )
        v1_on_v3 = await env.raw.post(
            "/stores/v2/inventoryItems/query", headers=headers(SITE_V3), json={}
        )
    for response, site_catalog in ((v3_on_v1, "V1_CATALOG"), (v1_on_v3, "V3_CATALOG")):
        assert response.status_code == 428
        error = _app_error(response.json())
        assert error["code"] == "CATALOG_VERSION_MISMATCH"
        assert error["data"] == {"catalogVersion": site_catalog}


async def test_site_without_stores() -> None:
    async with wix_env() as env:
        v1 = await env.raw.post("/stores/v1/products/query", headers=headers(SITE_NONE), json={})
        v3 = await env.raw.post("/stores/v3/products/query", headers=headers(SITE_NONE), json={})
    assert v1.status_code == 401
    assert v1.json()["message"] == "Wix stores is not installed"
    assert v3.status_code == 428
    assert _app_error(v3.json())["code"] == "REQUIRED_APP_NOT_INSTALLED"


async def test_unknown_route_and_bad_json_in_wix_shape() -> None:
    async with wix_env() as env:
        missing = await env.raw.get("/stores/v9/nothing", headers=headers(SITE_V1))
        broken = await env.raw.post(
            "/stores/v1/products/query",
            headers={**headers(SITE_V1), "Content-Type": "application/json"},
            content=b"{not json",
        )
        absent = await env.raw.get("/stores/v1/products/no-such-id", headers=headers(SITE_V1))
    assert missing.status_code == 404
    assert _app_error(missing.json())["code"] == "NOT_FOUND"
    assert broken.status_code == 400
    assert "validationError" in broken.json()["details"]
    assert absent.status_code == 404
    assert _app_error(absent.json()) == {
        "code": "NOT_FOUND",
        "description": "Product no-such-id not found",
        "data": {"id": "no-such-id"},
    }


async def test_bearer_prefix_can_be_accepted() -> None:
    async with wix_env() as env:
        env.sandbox.options.accept_bearer_prefix = True
        response = await env.raw.get(
            VERSION, headers={"Authorization": f"Bearer {KEY}", "wix-site-id": SITE_V1}
        )
    assert response.status_code == 200
