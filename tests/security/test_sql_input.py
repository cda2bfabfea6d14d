"""SQL-looking input in every filter is inert: no server error, no widened result, tables intact.

The API's filters are read from the OpenAPI schema (every query parameter of every GET operation);
the dashboard's from its handlers' signatures. No seeded row contains any payload, so a filter that
treated one as SQL or as a LIKE pattern (`%`, `_`) would return rows: every answer must be empty.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.security.conftest import Seeded, data_fingerprint
from tests.security.helpers import browser_login, the_app
from tests.security.routes import read_routes
from tests.seeded_secrets import ADMIN_PASSWORD

PAYLOADS = [
    "' OR 1=1 --",
    "'); DROP TABLE product; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "%%_%",
    "1; SELECT pg_sleep(5)",
    "SKU-1' --",
]
SAMPLE_PATH = {"sku": "SKU-1"}
_PARAM = re.compile(r"\{(\w+)\}")
NOT_FILTERS = frozenset({"request", "data", "self"})


def _api_filters(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(path with sample ids, query parameter) for every GET operation's query parameters."""
    found = []
    for template, operations in document["paths"].items():
        get = operations.get("get")
        if not get or get.get("operationId") == "syncEvents":
            continue  # the SSE stream never ends and takes no filter
        path = _PARAM.sub(lambda m: SAMPLE_PATH.get(m.group(1), "1"), template)
        for parameter in get.get("parameters", []):
            if parameter["in"] == "query":
                found.append((path, parameter["name"]))
    return found


def _count(body: Any) -> int | None:
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return len(body["items"])
    return None


async def test_api_filters_take_sql_as_plain_text(
    client: httpx.AsyncClient, seeded: Seeded, admin_headers: dict[str, str]
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    filters = _api_filters(document)
    assert len(filters) >= 20, "filter discovery found too few query parameters"
    before = await data_fingerprint()
    wrong = []
    for path, name in filters:
        for payload in PAYLOADS:
            response = await client.get(path, params={name: payload}, headers=admin_headers)
            if response.status_code >= 500:
                wrong.append(f"{path}?{name}={payload!r}: {response.status_code}")
            elif response.status_code == 200 and _count(response.json()):
                wrong.append(f"{path}?{name}={payload!r} widened to {_count(response.json())}")
    assert not wrong, "\n".join(wrong)
    assert await data_fingerprint() == before
    products = await client.get("/api/products", headers=admin_headers)
    assert products.json()["total"] == len(seeded.skus), "the product table is intact"


async def test_percent_and_underscore_match_only_literally(
    client: httpx.AsyncClient, seeded: Seeded, admin_headers: dict[str, str]
) -> None:
    await client.post(
        "/api/products", json={"sku": "PCT-1", "name": "100% cotton_tee"}, headers=admin_headers
    )
    for query, expected in (("%", ["PCT-1"]), ("_", ["PCT-1"]), ("0% c", ["PCT-1"]), ("1_", [])):
        found = await client.get("/api/products", params={"q": query}, headers=admin_headers)
        assert [p["sku"] for p in found.json()["items"]] == expected, query


def _dashboard_filters(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """(page path, query parameter) from the dashboard GET handlers' signatures."""
    found = []
    for route in read_routes(the_app(client)):
        if route.is_api or route.template.startswith(("/static", "/login")):
            continue
        path_names = set(_PARAM.findall(route.template.replace(":", "}{")))
        signature = route.handler.parsed_fn_signature.parameters
        for name in signature:
            if name not in NOT_FILTERS and name not in path_names:
                found.append((route.path, name))
    return found


async def test_dashboard_filters_take_sql_as_plain_text(
    client: httpx.AsyncClient, seeded: Seeded, admin: object
) -> None:
    browser = await browser_login(client, "admin@example.com", ADMIN_PASSWORD)
    filters = _dashboard_filters(client)
    assert len(filters) >= 5, f"dashboard filter discovery found too few: {filters}"
    before = await data_fingerprint()
    wrong = []
    for path, name in filters:
        for payload in PAYLOADS:
            response = await client.get(path, params={name: payload}, headers=browser.cookie)
            if response.status_code >= 500:
                wrong.append(f"{path}?{name}={payload!r}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert await data_fingerprint() == before
