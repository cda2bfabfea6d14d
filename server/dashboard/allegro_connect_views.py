"""Connecting an Allegro account from its page: start the device flow, show the code, poll.

The page shows the code and the link while Allegro waits for the seller; `static/app.js` polls
the JSON API every `interval` seconds and reloads when the account is connected. Without
JavaScript the "I confirmed it" button polls once.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.dashboard.account_views import account_page
from server.dashboard.context import FormError, redirect_with_flash
from server.domain import allegro_connect
from server.domain.connectors import connectors_from
from server.errors import DomainError
from server.web.guards import require_admin


def _account_url(account_id: int) -> str:
    return f"/accounts/{account_id}"


@post("/accounts/{account_id:int}/connect", guards=[require_admin], include_in_schema=False)
async def connect_start(
    request: Request[Any, Any, Any], account_id: FromPath[int]
) -> Template | Redirect:
    """Ask Allegro for a code; the account page then shows it."""
    try:
        await allegro_connect.start_connection(
            request.app.state.redis, connectors_from(request.app.state), account_id
        )
    except DomainError as error:
        form_error = FormError.from_domain("connect", error, {})
        return await account_page(
            request, account_id, form_error=form_error, status=error.status_code
        )
    return Redirect(path=_account_url(account_id))


@post("/accounts/{account_id:int}/connect/poll", guards=[require_admin], include_in_schema=False)
async def connect_poll(
    request: Request[Any, Any, Any], account_id: FromPath[int]
) -> Template | Redirect:
    """Ask Allegro once whether the seller confirmed."""
    try:
        poll = await allegro_connect.poll_connection(
            request.app.state.redis, connectors_from(request.app.state), account_id
        )
    except DomainError as error:
        form_error = FormError.from_domain("connect", error, {})
        return await account_page(
            request, account_id, form_error=form_error, status=error.status_code
        )
    if poll.status == "connected":
        return redirect_with_flash(_account_url(account_id), poll.message)
    return Redirect(path=_account_url(account_id))
