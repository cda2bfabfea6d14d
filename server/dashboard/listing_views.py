"""The account page's actions on listings: map by hand, pause/resume, remove, auto-map by SKU, and
test the connection.

Auto-map and the test go through the marketplace clients configured on `app.state`; with none
configured the page shows the 503 reason as the form's error. Their results are shown on the page
that answers the POST (both are safe to repeat).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.account_views import account_page
from server.dashboard.context import FormError, redirect_with_flash
from server.dashboard.forms import form_values
from server.domain import listings
from server.domain.automap import run_automap
from server.domain.connectors import connectors_from, run_account_test
from server.domain.item_ids import ITEM_FIELDS, ItemIds, describe
from server.domain.listings import ListingChanges, NewListing
from server.errors import DomainError, ValidationFailedError
from server.web.guards import require_admin

FormData = URLEncodedBody[dict[str, Any]]


async def _refused(
    request: Request[Any, Any, Any],
    account_id: int,
    form: str,
    error: DomainError,
    values: dict[str, str],
) -> Template:
    form_error = FormError.from_domain(form, error, values)
    return await account_page(request, account_id, form_error=form_error, status=error.status_code)


@post("/accounts/{account_id:int}/listings", guards=[require_admin], include_in_schema=False)
async def listing_create(
    request: Request[Any, Any, Any], account_id: FromPath[int], data: FormData
) -> Template | Redirect:
    """Map a product to a marketplace item by hand."""
    values = form_values(data, "sku", *ITEM_FIELDS)
    new = NewListing(
        sku=values["sku"],
        wix_product_id=values["wix_product_id"] or None,
        wix_variant_id=values["wix_variant_id"] or None,
        wix_inventory_item_id=values["wix_inventory_item_id"] or None,
        allegro_offer_id=values["allegro_offer_id"] or None,
    )
    try:
        created = await listings.create_listing(account_id, new)
    except DomainError as error:
        return await _refused(request, account_id, "mapping", error, values)
    item = describe(ItemIds(**{name: getattr(created, name) for name in ITEM_FIELDS}))
    return redirect_with_flash(f"/accounts/{account_id}", f"Mapped {created.sku} to {item}.")


@post(
    "/accounts/{account_id:int}/listings/{listing_id:int}/active",
    guards=[require_admin],
    include_in_schema=False,
)
async def listing_set_active(
    request: Request[Any, Any, Any],
    account_id: FromPath[int],
    listing_id: FromPath[int],
    data: FormData,
) -> Template | Redirect:
    """Pause (`active=0`) or resume (`active=1`) one listing."""
    values = form_values(data, "active")
    try:
        if values["active"] not in ("0", "1"):
            raise ValidationFailedError("active must be 0 or 1", field="active")
        changes = ListingChanges(active=values["active"] == "1")
        saved = await listings.update_listing(account_id, listing_id, changes)
    except DomainError as error:
        return await _refused(request, account_id, "listings", error, values)
    state = "resumed" if saved.active else "paused: the sync leaves it alone"
    return redirect_with_flash(f"/accounts/{account_id}", f"Listing of {saved.sku} {state}.")


@post(
    "/accounts/{account_id:int}/listings/{listing_id:int}/delete",
    guards=[require_admin],
    include_in_schema=False,
)
async def listing_delete(
    request: Request[Any, Any, Any], account_id: FromPath[int], listing_id: FromPath[int]
) -> Template | Redirect:
    """Remove a mapping (the marketplace item itself is left alone)."""
    try:
        listing = await listings.get_listing(account_id, listing_id)
        await listings.delete_listing(account_id, listing_id)
    except DomainError as error:
        return await _refused(request, account_id, "listings", error, {})
    return redirect_with_flash(f"/accounts/{account_id}", f"Mapping of {listing.sku} removed.")


@post("/accounts/{account_id:int}/automap", guards=[require_admin], include_in_schema=False)
async def account_automap(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Template:
    """Auto-map by SKU and show what it saw and did, or why it could not run."""
    try:
        result = await run_automap(account_id, connectors_from(request.app.state))
    except DomainError as error:
        return await _refused(request, account_id, "automap", error, {})
    return await account_page(request, account_id, automap_result=result)


@post("/accounts/{account_id:int}/test", guards=[require_admin], include_in_schema=False)
async def account_test(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Template:
    """Ask the marketplace whether it accepts the account's credentials and show the answer."""
    try:
        result = await run_account_test(account_id, connectors_from(request.app.state))
    except DomainError as error:
        return await _refused(request, account_id, "test", error, {})
    return await account_page(request, account_id, test_result=result)
