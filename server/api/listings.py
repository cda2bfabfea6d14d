"""`/api/accounts/{account_id}/listings`: which marketplace item shows which product.

Everyone reads; admins map, re-point, pause and remove listings by hand (auto-map is on the
account: `POST /api/accounts/{account_id}/automap`).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.account_schemas import ListingCreate, ListingUpdate
from server.domain import listings
from server.domain.listings import ListingChanges, ListingPage, ListingRecord, NewListing
from server.web.guards import require_admin, require_user


class ListingController(Controller):
    """The listings of one account."""

    path = "/api/accounts/{account_id:int}/listings"
    tags = ["listings"]

    @get("/", guards=[require_user], operation_id="listListings")
    async def list_listings(
        self,
        account_id: FromPath[int],
        q: Annotated[
            str | None, QueryParameter(max_length=200, description="SKU or name text, or an id")
        ] = None,
        active: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
    ) -> ListingPage:
        """A page of the account's listings by SKU; `total` counts every match."""
        return await listings.list_listings(
            account_id, q=q, active=active, limit=limit, offset=offset
        )

    @post("/", guards=[require_admin], operation_id="createListing")
    async def create_listing(
        self, account_id: FromPath[int], data: JSONBody[ListingCreate]
    ) -> ListingRecord:
        """Map a product to a marketplace item (201); 409 if the item is mapped already."""
        new = NewListing(**msgspec.structs.asdict(data))
        return await listings.create_listing(account_id, new)

    @get("/{listing_id:int}", guards=[require_user], operation_id="getListing")
    async def get_listing(
        self, account_id: FromPath[int], listing_id: FromPath[int]
    ) -> ListingRecord:
        """One listing."""
        return await listings.get_listing(account_id, listing_id)

    @patch("/{listing_id:int}", guards=[require_admin], operation_id="updateListing")
    async def update_listing(
        self, account_id: FromPath[int], listing_id: FromPath[int], data: JSONBody[ListingUpdate]
    ) -> ListingRecord:
        """Point the listing at another product or item, or pause/resume it."""
        changes = ListingChanges(**msgspec.structs.asdict(data))
        return await listings.update_listing(account_id, listing_id, changes)

    @delete("/{listing_id:int}", guards=[require_admin], operation_id="deleteListing")
    async def delete_listing(self, account_id: FromPath[int], listing_id: FromPath[int]) -> None:
        """Remove the mapping (204); the marketplace item is left as it is."""
        await listings.delete_listing(account_id, listing_id)
