"""The product list as an API client reads it, for the paging and totals tests."""

from __future__ import annotations

from typing import Any

import httpx

API = "/api/products"


async def product_page(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    """One page of `GET /api/products` with these query parameters; it must answer 200."""
    response = await client.get(API, params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page
