"""The ids of a marketplace item, and the rules they follow per marketplace.

A Wix item is a (product id, variant id) pair, with the inventory item id kept for the inventory
API; an Allegro item is an offer id (a numeric string of up to 20 digits). The pair or the offer
id is what the database keeps unique per account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from server.domain.credentials import Marketplace
from server.errors import ValidationFailedError

ITEM_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
OFFER_ID_PATTERN = re.compile(r"^[0-9]{1,20}$")
WIX_FIELDS = ("wix_product_id", "wix_variant_id", "wix_inventory_item_id")
ITEM_FIELDS = (*WIX_FIELDS, "allegro_offer_id")
_REQUIRED = {
    Marketplace.WIX: ("wix_product_id", "wix_variant_id"),
    Marketplace.ALLEGRO: ("allegro_offer_id",),
}
_LABELS = {
    "wix_product_id": "Wix product id",
    "wix_variant_id": "Wix variant id",
    "wix_inventory_item_id": "Wix inventory item id",
    "allegro_offer_id": "Allegro offer id",
}


class ItemIds(msgspec.Struct, frozen=True, kw_only=True):
    """The marketplace ids of one item; only the ones of the account's marketplace are set."""

    wix_product_id: str | None = None
    wix_variant_id: str | None = None
    wix_inventory_item_id: str | None = None
    allegro_offer_id: str | None = None


ItemKey = tuple[str | None, ...]


def item_id_problem(marketplace: Marketplace, ids: ItemIds) -> tuple[str, str] | None:
    """The first (field, message) wrong with an item's ids for this marketplace, or None."""
    for name in ITEM_FIELDS:
        value = getattr(ids, name)
        if value is None:
            if name in _REQUIRED[marketplace]:
                return name, f"{_LABELS[name]} is required for a {marketplace.value} listing"
            continue
        if name not in _REQUIRED[marketplace] and not name.startswith(marketplace.value):
            return name, f"{_LABELS[name]} does not apply to a {marketplace.value} account"
        offer = name == "allegro_offer_id"
        if not (OFFER_ID_PATTERN if offer else ITEM_ID_PATTERN).fullmatch(value):
            expected = "1-20 digits" if offer else "1-100 letters, digits, '.', '_', ':' or '-'"
            return name, f"{_LABELS[name]} must be {expected}"
    return None


def clean_item_ids(marketplace: Marketplace, ids: ItemIds) -> ItemIds:
    """Ids trimmed (empty means none) and checked; ValidationFailedError names the field."""
    trimmed = {
        name: (value.strip() or None) if isinstance(value := getattr(ids, name), str) else None
        for name in ITEM_FIELDS
    }
    cleaned = ItemIds(**trimmed)
    problem = item_id_problem(marketplace, cleaned)
    if problem is not None:
        raise ValidationFailedError(problem[1], field=problem[0])
    return cleaned


def item_key_changed(ids: ItemIds, row: Mapping[str, Any]) -> bool:
    """Whether the ids name another marketplace item than the stored row."""
    keys = ("wix_product_id", "wix_variant_id", "allegro_offer_id")
    return any(getattr(ids, name) != row[name] for name in keys)


def item_key(ids: ItemIds) -> ItemKey:
    """What makes an item unique within an account (the database's unique keys)."""
    if ids.allegro_offer_id is not None:
        return (ids.allegro_offer_id,)
    return (ids.wix_product_id, ids.wix_variant_id)


def describe(ids: ItemIds) -> str:
    """An item as a person reads it."""
    if ids.allegro_offer_id is not None:
        return f"offer {ids.allegro_offer_id}"
    return f"product {ids.wix_product_id} / variant {ids.wix_variant_id}"
