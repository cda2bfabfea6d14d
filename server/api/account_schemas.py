"""Request bodies of the accounts and listings API (msgspec Structs; unknown fields are refused).

Credential values are checked per marketplace by the domain, which names the field at fault
(`credentials.api_key`); listing edits tell "leave as is" (field absent) from "clear" (null).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from server.api.schemas import Input, Sku, WarehouseCode
from server.domain.ledger import MAX_QUANTITY

AccountName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["Main shop"])]
Credentials = Annotated[
    dict[str, Any],
    msgspec.Meta(
        max_length=10,
        description="Wix: api_key, site_id, account_id, optional webhook_public_key (the Wix "
        "app's PEM key; blank clears it). Allegro: client_id, client_secret. Values are strings; "
        "the domain checks each and names the one at fault.",
    ),
]
SafetyBuffer = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]
SourceWarehouses = Annotated[
    list[WarehouseCode],
    msgspec.Meta(
        min_length=1,
        max_length=50,
        description="warehouse codes whose stock feeds the account; orders draw from the first",
    ),
]
RestockOnCancel = Annotated[
    bool,
    msgspec.Meta(
        description="when an order is cancelled after its stock was deducted, give the units "
        "back to the warehouse they came from"
    ),
]
ItemId = Annotated[str, msgspec.Meta(max_length=100)]


class AccountCreate(Input):
    """A new account with its credentials.

    Wix: api_key, site_id, account_id. Allegro: client_id, client_secret (tokens come later, from
    the OAuth flow).
    """

    marketplace: Literal["wix", "allegro"]
    name: AccountName
    credentials: Credentials
    source_warehouses: SourceWarehouses
    safety_buffer: SafetyBuffer = 0
    restock_on_cancel: RestockOnCancel = True


class AccountUpdate(Input):
    """An edit; absent fields stay. `credentials` may hold only the values being rotated."""

    name: AccountName | None = None
    credentials: Credentials | None = None
    source_warehouses: SourceWarehouses | None = None
    safety_buffer: SafetyBuffer | None = None
    restock_on_cancel: RestockOnCancel | None = None


class ListingCreate(Input):
    """A mapping made by hand: Wix needs wix_product_id and wix_variant_id, Allegro an offer id."""

    sku: Sku
    wix_product_id: ItemId | None = None
    wix_variant_id: ItemId | None = None
    wix_inventory_item_id: ItemId | None = None
    allegro_offer_id: ItemId | None = None
    active: bool = True


class ListingUpdate(Input):
    """An edit of a mapping; absent fields stay, null clears an optional id."""

    sku: Sku | UnsetType = UNSET
    wix_product_id: ItemId | UnsetType | None = UNSET
    wix_variant_id: ItemId | UnsetType | None = UNSET
    wix_inventory_item_id: ItemId | UnsetType | None = UNSET
    allegro_offer_id: ItemId | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET
