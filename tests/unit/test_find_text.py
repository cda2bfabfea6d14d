"""`/find`'s reply says "more than" when the search's count stopped at its cap."""

from __future__ import annotations

from datetime import UTC, datetime

from server.domain.products import ProductRecord
from server.telegram.replies import find_text


def _product(sku: str) -> ProductRecord:
    now = datetime.now(UTC)
    return ProductRecord(
        id=1,
        sku=sku,
        name=f"Lamp {sku}",
        ean=None,
        image=None,
        description="",
        attributes={},
        is_sync_enabled=True,
        total_quantity=3,
        total_reserved=1,
        total_available=2,
        created_at=now,
        updated_at=now,
    )


def test_exact_and_capped_totals() -> None:
    found = [_product("L-1"), _product("L-2")]
    assert find_text("lamp", found, 5).splitlines() == [
        "5 product(s) match “lamp”:",
        "  L-1 - Lamp L-1 (available 2)",
        "  L-2 - Lamp L-2 (available 2)",
        "  … and 3 more",
    ]
    capped = find_text("lamp", found, 10_000, capped=True).splitlines()
    assert capped[0] == "More than 10000 products match “lamp”:"
    assert capped[-1] == "  … and more"
