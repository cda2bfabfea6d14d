"""The demo's account preparation against in-process sandboxes: four accounts, listings, no repeats.

Each run gets sandboxes built afresh from the demo seeds, as each `make demo` starts new ones, so
the second run also shows that a restarted sandbox serves the same items under the same ids.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from server.connectors.factory import build_connectors
from server.devtools.demo_accounts import AccountSummary, prepare_demo_accounts, summary_line
from server.devtools.seed import seed_demo
from server.domain.connectors import MarketplaceConnectors
from server.domain.credentials import AllegroCredentials, load_credentials
from server.domain.db import fetch
from server.sandboxes.common import SandboxTransport
from server.sandboxes.demo import allegro_demo_app, allegro_demo_seed, wix_demo_app
from server.settings import get_settings

LOCAL_PRODUCTS = 60
NAMES = [
    "Wix · V1 shop",
    "Wix · V3 shop",
    "Allegro · StockBridgeDemo1",
    "Allegro · StockBridgeDemo2",
]


@pytest.fixture
async def fresh_connectors() -> AsyncIterator[Callable[[], MarketplaceConnectors]]:
    """Connectors to newly built demo sandboxes on every call (a sandbox restart)."""
    redis = Redis.from_url(os.environ["REDIS_URL"])

    def connectors() -> MarketplaceConnectors:
        return build_connectors(
            get_settings(),
            redis,
            wix_transport=SandboxTransport(wix_demo_app()),
            allegro_transport=SandboxTransport(allegro_demo_app()),
        )

    yield connectors
    await redis.aclose()


def _expected_allegro_mappings(seller: int) -> int:
    """Offers whose SKU is in the local catalogue and on no other offer of the seller."""
    offers = allegro_demo_seed().sellers[seller].offers
    skus = Counter(offer.external_id for offer in offers if offer.external_id)
    local = {f"SB-{n:05d}" for n in range(1, LOCAL_PRODUCTS + 1)}
    return sum(1 for sku, count in skus.items() if count == 1 and sku in local)


def _created(summaries: list[AccountSummary]) -> dict[str, int]:
    return {s.name: s.result.created_mappings for s in summaries if s.result is not None}


async def test_demo_accounts_are_created_once_and_auto_mapped(
    warehouses: list[str], fresh_connectors: Callable[[], MarketplaceConnectors]
) -> None:
    await seed_demo(LOCAL_PRODUCTS)  # SB-00001…SB-00060

    first = await prepare_demo_accounts(fresh_connectors())
    assert [s.name for s in first] == NAMES
    assert all(s.created and s.error is None for s in first), [summary_line(s) for s in first]
    # Wix: SB-00001…00059 (SB-00060 has option variants), less SB-00007, listed twice.
    allegro = [_expected_allegro_mappings(0), _expected_allegro_mappings(1)]
    assert _created(first) == dict(zip(NAMES, [58, 58, *allegro], strict=True))
    for summary in first:
        assert summary.result is not None
        assert summary.result.conflicts_count == 0
    assert first[0].result and first[0].result.duplicate_skus == ["SB-00007"]
    assert first[2].result and first[2].result.duplicate_skus == ["SB-00012", "SB-00345"]
    assert "items seen, 58 mappings created" in summary_line(first[0])
    assert "duplicate SKUs: SB-00007;" in summary_line(first[0])

    second = await prepare_demo_accounts(fresh_connectors())
    assert [(s.name, s.account_id, s.created) for s in second] == [
        (s.name, s.account_id, False) for s in first
    ]
    assert set(_created(second).values()) == {0}
    for before, after in zip(first, second, strict=True):
        assert after.result and before.result
        assert after.result.already_mapped == before.result.created_mappings
        assert after.result.conflicts_count == 0

    accounts = await fetch("SELECT name FROM marketplace_account ORDER BY id")
    assert [row["name"] for row in accounts] == NAMES
    rows = await fetch(
        "SELECT a.name, count(*)::int AS n, count(DISTINCT l.product)::int AS products "
        "FROM listing l JOIN marketplace_account a ON a.id = l.account GROUP BY a.name"
    )
    assert {row["name"]: row["n"] for row in rows} == _created(first)
    assert all(row["n"] == row["products"] for row in rows)
    stored = await load_credentials(second[3].account_id)
    assert isinstance(stored, AllegroCredentials)
    assert stored.access_token == "demo-access-token-2"
