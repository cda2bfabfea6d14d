"""Ids beyond PostgreSQL's `integer` are unknown rows (404) or bad input (400), never a 500.

Regression (found by the fuzz): `POST /api/accounts/165358772405128896/activate` and every other
route with an integer id in its path, query or body answered 500 (asyncpg's out-of-range error).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.security.conftest import Seeded
from tests.security.helpers import the_app
from tests.security.routes import all_routes

TOO_BIG = 2**31
QUERY_IDS = [
    "/api/operations?before={}",
    "/api/sync/runs?before={}",
    "/api/sync/runs/1/items?after={}",
    "/api/drift?after={}",
    "/api/drift?account_id={}",
    "/api/orders?before={}",
    "/api/orders?account_id={}",
    "/api/orders/conflicts?account_id={}",
]


async def test_path_ids_out_of_range_are_not_found(
    client: httpx.AsyncClient, seeded: Seeded, admin_headers: dict[str, str]
) -> None:
    wrong = []
    for route in all_routes(the_app(client)):
        if ":int}" not in route.template or route.method == "HEAD":
            continue
        for value in (TOO_BIG, -1):
            path = route.path.replace("/1", f"/{value}", 1)
            body: dict[str, Any] = {"json": {}} if route.is_api else {"data": {}}
            response = await client.request(route.method, path, headers=admin_headers, **body)
            if response.status_code != 404:
                wrong.append(f"{route} with {value}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_query_and_body_ids_out_of_range_are_refused(
    client: httpx.AsyncClient, seeded: Seeded, admin_headers: dict[str, str]
) -> None:
    for template in QUERY_IDS:
        response = await client.get(template.format(TOO_BIG), headers=admin_headers)
        assert response.status_code == 400, (template, response.text)
    for path, body in (
        ("/api/sync", {"scope": "account", "account_id": TOO_BIG}),
        ("/api/orders/import", {"scope": "account", "account_id": TOO_BIG}),
    ):
        response = await client.post(path, json=body, headers=admin_headers)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["field"] == "account_id"
