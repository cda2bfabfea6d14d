"""A Wix order as a snapshot: which statuses deduct, cancel or wait, and which lines are ours."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from server.domain.orders import OrderPhase
from server.marketplaces.wix.orders import WixOrder
from server.orders.wix_mapping import UnreadableOrderError, order_phase, snapshot_of, wix_time

STORES = "215238eb-22a5-4c36-9e7b-e7c08025e04e"
OLD_STORES = "1380b703-ce81-ff05-f115-39571d94dfcd"


@pytest.mark.parametrize(
    ("status", "payment", "phase"),
    [
        ("APPROVED", "PAID", OrderPhase.READY),
        ("APPROVED", "NOT_PAID", OrderPhase.READY),  # offline payment: approved, sold
        ("APPROVED", "PARTIALLY_REFUNDED", OrderPhase.READY),
        ("APPROVED", "FULLY_REFUNDED", OrderPhase.CANCELLED),
        ("CANCELED", "PAID", OrderPhase.CANCELLED),
        ("INITIALIZED", "NOT_PAID", OrderPhase.PENDING),
        ("SOMETHING_NEW", None, OrderPhase.PENDING),
        (None, None, OrderPhase.PENDING),
    ],
)
def test_status_to_phase(status: str | None, payment: str | None, phase: OrderPhase) -> None:
    assert order_phase(status, payment) is phase


def order(**fields: object) -> WixOrder:
    base: dict[str, object] = {
        "id": "o-1",
        "status": "APPROVED",
        "paymentStatus": "PAID",
        "updatedDate": "2026-11-29T08:00:00.123Z",
        "lineItems": [],
    }
    return msgspec.convert({**base, **fields}, WixOrder)


def test_lines_map_through_the_catalogue_reference() -> None:
    snapshot = snapshot_of(
        order(
            lineItems=[
                {
                    "id": "1",
                    "quantity": 2,
                    "productName": {"original": "Mug"},
                    "catalogReference": {
                        "catalogItemId": "p-1",
                        "appId": OLD_STORES,
                        "options": {"variantId": "v-1"},
                    },
                    "physicalProperties": {"sku": "MUG"},
                },
                {
                    "id": "2",
                    "quantity": 1,
                    "catalogReference": {"catalogItemId": "p-2", "appId": STORES},
                    "physicalProperties": {"sku": "X" * 101},
                },
                {"id": "3", "quantity": 1, "productName": {"original": "Engraving"}},
                {
                    "id": "4",
                    "quantity": 1,
                    "catalogReference": {"catalogItemId": "g", "appId": "other"},
                },
            ]
        )
    )
    first, long_sku, custom, other = snapshot.lines
    assert (first.wix_product_id, first.wix_variant_id, first.external_sku) == ("p-1", "v-1", "MUG")
    assert (first.name, first.quantity, first.skip_reason) == ("Mug", 2, None)
    assert (long_sku.wix_variant_id, long_sku.external_sku, long_sku.skip_reason) == (
        None,
        None,
        None,
    )
    assert custom.skip_reason == "custom line item: no catalogue reference"
    assert other.skip_reason == "not a Wix Stores item (catalogue app other)"
    assert snapshot.status == "APPROVED/PAID" and snapshot.revision == "2026-11-29T08:00:00.123Z"
    assert snapshot.updated_at == dt.datetime(2026, 11, 29, 8, 0, 0, 123000, tzinfo=dt.UTC)


def test_orders_without_usable_ids_or_dates_are_refused() -> None:
    with pytest.raises(UnreadableOrderError):
        snapshot_of(order(id=""))
    with pytest.raises(UnreadableOrderError):
        snapshot_of(order(lineItems=[{"quantity": 1}]))
    with pytest.raises(UnreadableOrderError):
        snapshot_of(order(updatedDate="yesterday", createdDate=None))


def test_wix_time_round_trips() -> None:
    moment = dt.datetime(2026, 11, 29, 9, 30, 1, 5000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert wix_time(moment) == "2026-11-29T07:30:01.005Z"
