"""`/api/accounts`: marketplace accounts. Everyone reads (credentials masked); admins change them.

Accounts are deactivated, not deleted: listings and orders refer to them. "Test" and "auto-map"
go through the marketplace clients configured on `app.state` and answer 503 when there are none.
Allegro accounts are connected with the OAuth device flow (`connect`, then `connect/poll`).
"""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from server.api.account_schemas import AccountCreate, AccountUpdate
from server.domain import accounts, allegro_connect
from server.domain.accounts import AccountChanges, AccountRecord, NewAccount
from server.domain.allegro_connect import ConnectionPoll, PendingConnection
from server.domain.automap import AutomapResult, run_automap
from server.domain.connectors import AccountTestResult, connectors_from, run_account_test
from server.web.guards import require_admin, require_user
from server.web.openapi_errors import error_responses

MARKETPLACE_ERRORS = error_responses(502, 503)
"""Answers of the operations that ask a marketplace."""


class AccountController(Controller):
    """Connected Wix sites and Allegro seller accounts."""

    path = "/api/accounts"
    tags = ["accounts"]

    @get("/", guards=[require_user], operation_id="listAccounts")
    async def list_accounts(
        self,
        marketplace: FromQuery[Literal["wix", "allegro"] | None] = None,
        active: FromQuery[bool | None] = None,
    ) -> list[AccountRecord]:
        """Every account by marketplace and name, optionally filtered."""
        return await accounts.list_accounts(marketplace=marketplace, active=active)

    @post("/", guards=[require_admin], operation_id="createAccount")
    async def create_account(self, data: JSONBody[AccountCreate]) -> AccountRecord:
        """Connect an account (201); 409 if its marketplace has one of that name already."""
        new = NewAccount(
            marketplace=data.marketplace,
            name=data.name,
            credentials=data.credentials,
            source_warehouses=data.source_warehouses,
            safety_buffer=data.safety_buffer,
            restock_on_cancel=data.restock_on_cancel,
        )
        return await accounts.create_account(new)

    @get("/{account_id:int}", guards=[require_user], operation_id="getAccount")
    async def get_account(self, account_id: FromPath[int]) -> AccountRecord:
        """One account, credentials masked."""
        return await accounts.get_account(account_id)

    @patch("/{account_id:int}", guards=[require_admin], operation_id="updateAccount")
    async def update_account(
        self, account_id: FromPath[int], data: JSONBody[AccountUpdate]
    ) -> AccountRecord:
        """Rename, rotate credentials (only given values), change warehouses, buffer, restock."""
        changes = AccountChanges(
            name=data.name,
            credentials=data.credentials,
            source_warehouses=data.source_warehouses,
            safety_buffer=data.safety_buffer,
            restock_on_cancel=data.restock_on_cancel,
        )
        return await accounts.update_account(account_id, changes)

    @post(
        "/{account_id:int}/deactivate",
        guards=[require_admin],
        status_code=200,
        operation_id="deactivateAccount",
    )
    async def deactivate(self, account_id: FromPath[int]) -> AccountRecord:
        """Stop syncing the account; its listings stay."""
        return await accounts.set_account_active(account_id, False)

    @post(
        "/{account_id:int}/activate",
        guards=[require_admin],
        status_code=200,
        operation_id="activateAccount",
    )
    async def activate(self, account_id: FromPath[int]) -> AccountRecord:
        """Sync the account again."""
        return await accounts.set_account_active(account_id, True)

    @post(
        "/{account_id:int}/test",
        guards=[require_admin],
        status_code=200,
        operation_id="testAccount",
        responses=MARKETPLACE_ERRORS,
    )
    async def test_account(
        self, request: Request[Any, Any, Any], account_id: FromPath[int]
    ) -> AccountTestResult:
        """Check the credentials with the marketplace; 503 if no client is configured."""
        return await run_account_test(account_id, connectors_from(request.app.state))

    @post(
        "/{account_id:int}/automap",
        guards=[require_admin],
        status_code=200,
        operation_id="automapAccount",
        responses=MARKETPLACE_ERRORS,
    )
    async def automap(
        self, request: Request[Any, Any, Any], account_id: FromPath[int]
    ) -> AutomapResult:
        """Map the marketplace's items to products by SKU; 503 if no client is configured."""
        return await run_automap(account_id, connectors_from(request.app.state))

    @post(
        "/{account_id:int}/connect",
        guards=[require_admin],
        operation_id="startAllegroConnection",
        responses=MARKETPLACE_ERRORS,
    )
    async def start_connection(
        self, request: Request[Any, Any, Any], account_id: FromPath[int]
    ) -> PendingConnection:
        """Allegro device flow: a code and link for the seller to confirm on allegro.pl (201)."""
        return await allegro_connect.start_connection(
            request.app.state.redis, connectors_from(request.app.state), account_id
        )

    @post(
        "/{account_id:int}/connect/poll",
        guards=[require_admin],
        status_code=200,
        operation_id="pollAllegroConnection",
        responses=MARKETPLACE_ERRORS,
    )
    async def poll_connection(
        self, request: Request[Any, Any, Any], account_id: FromPath[int]
    ) -> ConnectionPoll:
        """Whether the seller confirmed; on approval the tokens are stored (409: start again)."""
        return await allegro_connect.poll_connection(
            request.app.state.redis, connectors_from(request.app.state), account_id
        )
