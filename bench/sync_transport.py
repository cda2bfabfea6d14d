"""Between the bench's connectors and its sandboxes: the request meter, and warming the sandboxes.

`MeterTransport` records per account the endpoint and when each request was sent. `warm` makes
the first whole-catalogue page of each Wix site once before any sync: the in-process sandbox
builds its sorted crawl index then (about 1-2 s of CPU at 100k items, which a real API does not
spend on a client's event loop) instead of blocking the workers' loop in the middle of a run.
"""

from __future__ import annotations

import re
import time
from collections import Counter

import httpx

WIX_KEY = "wix-bench-key-0001"
SITES = {
    "wix-v1": "11111111-1111-4111-8111-1111111111b1",
    "wix-v3": "33333333-3333-4333-8333-33333333b3b3",
}
SELLERS = {"allegro-1": "40000001", "allegro-2": "40000002"}
ID_SEGMENT = re.compile(r"/(?=[^/]*\d)[0-9A-Za-z-]{8,}(?=/|$)")


class MeterTransport(httpx.AsyncBaseTransport):
    """Passes requests on and records (account, endpoint, monotonic time) for each."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        """Wrap `inner`; `log` collects the requests."""
        self.inner = inner
        self.log: list[tuple[str, str, float]] = []

    @staticmethod
    def account_of(request: httpx.Request) -> str:
        """The bench account a request belongs to (by Wix site or Allegro bearer token)."""
        site = request.headers.get("wix-site-id")
        if site:
            return next((name for name, s in SITES.items() if s == site), site)
        token = request.headers.get("authorization", "")
        return next((name for name in SELLERS if token.endswith(f"token-{name}")), "other")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Record, then forward."""
        endpoint = f"{request.method} {ID_SEGMENT.sub('/{id}', request.url.path)}"
        self.log.append((self.account_of(request), endpoint, time.monotonic()))
        return await self.inner.handle_async_request(request)

    def by_endpoint(self, account: str, since: float) -> Counter[str]:
        """Requests of one account after `since`, by endpoint."""
        return Counter(e for a, e, t in self.log if a == account and t >= since)

    def span(self, account: str, since: float) -> float:
        """Seconds from `since` to the account's last request after it."""
        times = [t for a, _, t in self.log if a == account and t >= since]
        return max(times) - since if times else 0.0


async def warm(wix: httpx.AsyncBaseTransport) -> None:
    """Ask each Wix site for the first page of the crawls the sync makes (not metered)."""
    async with httpx.AsyncClient(transport=wix, base_url="https://www.wixapis.com") as client:
        for name, path, body in (
            ("wix-v1", "/stores/v2/inventoryItems/query", V1_FIRST_PAGE),
            ("wix-v3", "/stores/v3/inventory-items/query", V3_FIRST_PAGE),
        ):
            headers = {"Authorization": WIX_KEY, "wix-site-id": SITES[name]}
            answer = await client.post(path, headers=headers, json=body)
            answer.raise_for_status()


V1_FIRST_PAGE = {"query": {"sort": '[{"numericId":"asc"}]', "paging": {"limit": 1, "offset": 0}}}
V3_FIRST_PAGE = {"query": {"cursorPaging": {"limit": 1}}}
