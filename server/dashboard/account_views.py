"""Account pages: the list with the "add an account" form, one account with its listings, and the
admin forms to edit, deactivate and activate an account.

Credentials are never echoed back: the pages show masks, and a refused form keeps what was typed
except the credential fields. On the edit form a blank credential field keeps the stored value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from server.dashboard.context import FormError, dashboard_user, redirect_with_flash, render
from server.dashboard.forms import form_values, whole_number
from server.domain import accounts, allegro_connect, listings, warehouses
from server.domain.accounts import AccountChanges, AccountRecord, NewAccount
from server.domain.automap import AutomapResult
from server.domain.connectors import AccountTestResult
from server.domain.credentials import FIELD_LABELS, INPUT_FIELDS, Marketplace
from server.errors import DomainError, ValidationFailedError
from server.web.guards import require_admin, require_user

FormData = URLEncodedBody[dict[str, Any]]
PAGE_SIZE = 50
SECRET_FIELDS = frozenset({"api_key", "client_secret"})
MAIN_SECRET = {"wix": "api_key", "allegro": "client_secret"}
MARKETPLACE_NAMES = {"wix": "Wix", "allegro": "Allegro"}


def credential_inputs(marketplace: str) -> list[dict[str, str]]:
    """The credential inputs of a marketplace's forms: form name, label, input type."""
    return [
        {
            "name": f"credentials.{field}",
            "label": FIELD_LABELS[field],
            "type": "password" if field in SECRET_FIELDS else "text",
        }
        for field in INPUT_FIELDS[Marketplace(marketplace)]
    ]


def form_list(data: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), trimmed, without empties."""
    raw = data.get(name, [])
    items = raw if isinstance(raw, list) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def _credentials(data: Mapping[str, Any], marketplace: str) -> dict[str, str]:
    """The credential values typed into a form (blank ones left out)."""
    names = [f"credentials.{field}" for field in INPUT_FIELDS[Marketplace(marketplace)]]
    values = form_values(data, *names)
    return {name.removeprefix("credentials."): value for name, value in values.items() if value}


def _safety_buffer(values: Mapping[str, str]) -> int:
    return whole_number(values, "safety_buffer", "Safety buffer")


def _restock_on_cancel(data: Mapping[str, Any]) -> bool | None:
    """The restock checkbox: its hidden "0" always comes, "1" too when checked (None: absent)."""
    sent = form_list(data, "restock_on_cancel")
    return "1" in sent if sent else None


def _chosen_marketplace(value: str) -> str:
    return value if value in MARKETPLACE_NAMES else "wix"


async def _accounts_page(
    request: Request[Any, Any, Any],
    *,
    marketplace: str = "wix",
    form_error: FormError | None = None,
    chosen_warehouses: list[str] | None = None,
    status: int = 200,
) -> Template:
    active = await warehouses.list_warehouses(active_only=True)
    return render(
        request,
        "accounts.html",
        status=status,
        nav="accounts",
        accounts=await accounts.list_accounts(),
        warehouses=active if dashboard_user(request).is_admin else [],
        chosen_warehouses=[w.code for w in active]
        if chosen_warehouses is None
        else chosen_warehouses,
        marketplace=marketplace,
        marketplace_names=MARKETPLACE_NAMES,
        main_secret=MAIN_SECRET,
        credential_inputs=credential_inputs(marketplace),
        form_error=form_error,
    )


@get("/accounts", name="dashboard:accounts", guards=[require_user], include_in_schema=False)
async def account_list(
    request: Request[Any, Any, Any],
    marketplace: Annotated[str, QueryParameter(max_length=16)] = "wix",
) -> Template:
    """Every account; admins also get the form to add one (for the chosen marketplace)."""
    return await _accounts_page(request, marketplace=_chosen_marketplace(marketplace))


@post("/accounts", guards=[require_admin], include_in_schema=False)
async def account_create(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Add an account; a refusal re-renders the list with the reason (credentials not kept)."""
    values = form_values(data, "marketplace", "name", "safety_buffer")
    marketplace = _chosen_marketplace(values["marketplace"])
    chosen = form_list(data, "source_warehouses")
    try:
        new = NewAccount(
            marketplace=values["marketplace"],
            name=values["name"],
            credentials=_credentials(data, marketplace),
            source_warehouses=chosen,
            safety_buffer=_safety_buffer(values),
            restock_on_cancel=_restock_on_cancel(data) is not False,
        )
        created = await accounts.create_account(new)
    except DomainError as error:
        return await _accounts_page(
            request,
            marketplace=marketplace,
            form_error=FormError.from_domain("account", error, values),
            chosen_warehouses=chosen,
            status=error.status_code,
        )
    return redirect_with_flash(
        f"/accounts/{created.id}",
        f"{MARKETPLACE_NAMES[created.marketplace]} account {created.name} added.",
    )


def _pager(account_id: int, q: str, page: listings.ListingPage) -> dict[str, Any]:
    def link(offset: int) -> str:
        """The account page at another offset, keeping the search."""
        params = {key: value for key, value in (("q", q), ("offset", str(offset))) if value}
        if offset == 0:
            params.pop("offset", None)
        return f"/accounts/{account_id}" + (f"?{urlencode(params)}" if params else "")

    last = page.offset + len(page.items)
    return {
        "first": page.offset + 1 if page.items else 0,
        "last": last,
        "total": page.total,
        "prev": link(max(0, page.offset - page.limit)) if page.offset > 0 else None,
        "next": link(last) if last < page.total else None,
    }


async def _edit_warehouses(account: AccountRecord) -> list[warehouses.WarehouseRecord]:
    """Active warehouses, plus inactive ones the account still draws from."""
    every = await warehouses.list_warehouses()
    return [w for w in every if w.active or w.code in account.source_warehouses]


async def account_page(
    request: Request[Any, Any, Any],
    account_id: int,
    *,
    q: str = "",
    offset: int = 0,
    form_error: FormError | None = None,
    automap_result: AutomapResult | None = None,
    test_result: AccountTestResult | None = None,
    status: int = 200,
) -> Template:
    """One account: details, results of the last action, listings and (for admins) the forms."""
    account = await accounts.get_account(account_id)
    page = await listings.list_listings(account_id, q=q or None, limit=PAGE_SIZE, offset=offset)
    admin = dashboard_user(request).is_admin
    pending = None
    if account.marketplace == "allegro":
        pending = await allegro_connect.pending_connection(request.app.state.redis, account_id)
    return render(
        request,
        "account.html",
        status=status,
        nav="accounts",
        account=account,
        page=page,
        pager=_pager(account_id, q, page),
        q=q,
        marketplace_names=MARKETPLACE_NAMES,
        field_labels=FIELD_LABELS,
        credential_inputs=credential_inputs(account.marketplace),
        warehouses=await _edit_warehouses(account) if admin else [],
        form_error=form_error,
        automap_result=automap_result,
        test_result=test_result,
        pending_connection=pending,
        connected="refresh_token" in account.credentials,
    )


@get(
    "/accounts/{account_id:int}",
    name="dashboard:account",
    guards=[require_user],
    include_in_schema=False,
)
async def account_detail(
    request: Request[Any, Any, Any],
    account_id: FromPath[int],
    q: Annotated[str, QueryParameter(max_length=200)] = "",
    offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
) -> Template:
    """One account with a page of its listings."""
    return await account_page(request, account_id, q=q.strip(), offset=offset)


def _ordered(current: list[str], chosen: list[str]) -> list[str]:
    """Chosen warehouses, keeping the account's present order and adding new ones at the end."""
    return [c for c in current if c in chosen] + [c for c in chosen if c not in current]


@post("/accounts/{account_id:int}/edit", guards=[require_admin], include_in_schema=False)
async def account_edit(
    request: Request[Any, Any, Any], account_id: FromPath[int], data: FormData
) -> Template | Redirect:
    """Save the edit form: name, credentials (blank keeps), warehouses, buffer, restock."""
    values = form_values(data, "name", "safety_buffer")
    account = await accounts.get_account(account_id)
    try:
        rotated = _credentials(data, account.marketplace)
        changes = AccountChanges(
            name=values["name"],
            credentials=rotated or None,
            source_warehouses=_ordered(
                account.source_warehouses, form_list(data, "source_warehouses")
            ),
            safety_buffer=_safety_buffer(values),
            restock_on_cancel=_restock_on_cancel(data),
        )
        saved = await accounts.update_account(account_id, changes)
    except DomainError as error:
        form_error = FormError.from_domain("edit", error, values)
        return await account_page(
            request, account_id, form_error=form_error, status=error.status_code
        )
    note = " New credentials stored." if rotated else ""
    return redirect_with_flash(f"/accounts/{account_id}", f"Account {saved.name} saved.{note}")


@post("/accounts/{account_id:int}/status", guards=[require_admin], include_in_schema=False)
async def account_status(
    request: Request[Any, Any, Any], account_id: FromPath[int], data: FormData
) -> Template | Redirect:
    """Deactivate (`active=0`) or activate (`active=1`) an account."""
    values = form_values(data, "active")
    if values["active"] not in ("0", "1"):
        error = ValidationFailedError("active must be 0 or 1", field="active")
        form_error = FormError.from_domain("status", error, values)
        return await account_page(request, account_id, form_error=form_error, status=422)
    saved = await accounts.set_account_active(account_id, values["active"] == "1")
    state = (
        "active again: its listings will be synced"
        if saved.active
        else "deactivated: the sync leaves it alone"
    )
    return redirect_with_flash(f"/accounts/{account_id}", f"Account {saved.name} is {state}.")
