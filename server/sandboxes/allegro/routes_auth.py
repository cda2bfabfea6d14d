"""The auth host's routes: device authorisation, the token endpoint and the verification page.

Served under `/auth/oauth/...` (and `/skojarz-aplikacje`) by the same app as the REST API; a
client points its auth base URL and API base URL at the same sandbox.
"""

from __future__ import annotations

import html
from typing import Any

import msgspec
from litestar import Request, Response, get, post

from server.sandboxes.allegro import oauth_logic
from server.sandboxes.allegro.errors import auth_error
from server.sandboxes.allegro.gate import public_base, runtime_of

OAUTH_MEDIA_TYPE = "application/json;charset=UTF-8"
_encoder = msgspec.json.Encoder()


async def _params(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Parameters from the query string and the form body (production accepts both) [#13]."""
    merged = dict(request.query_params.items())
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        form = await request.form()
        merged.update({key: str(value) for key, value in form.items()})
    return merged


def _json(body: dict[str, Any]) -> Response[bytes]:
    return Response(content=_encoder.encode(body), status_code=200, media_type=OAUTH_MEDIA_TYPE)


@post("/auth/oauth/device", status_code=200)
async def device_authorization(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Start a device flow: device code, user code and where the seller confirms it."""
    runtime = runtime_of(request)
    client_id = oauth_logic.authenticate_client(runtime.store, request.headers.get("authorization"))
    params = await _params(request)
    if params.get("client_id", client_id) != client_id:
        raise auth_error(400, "invalid_request", "client_id does not match the credentials")
    runtime.limits.charge("token", f"client:{client_id}")
    flow = oauth_logic.start_device_flow(
        runtime.store, client_id, params.get("scope"), public_base(request)
    )
    return _json(flow)


@post("/auth/oauth/token", status_code=200)
async def token(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Device-code polling and refresh-token rotation."""
    runtime = runtime_of(request)
    store = runtime.store
    client_id = oauth_logic.authenticate_client(store, request.headers.get("authorization"))
    params = await _params(request)
    runtime.limits.charge("token", f"client:{client_id}")
    grant = params.get("grant_type", "")
    if grant == oauth_logic.DEVICE_GRANT:
        return _json(oauth_logic.poll_device_code(store, client_id, params.get("device_code", "")))
    if grant == "refresh_token":
        return _json(oauth_logic.refresh(store, client_id, params.get("refresh_token", "")))
    raise auth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Allegro sandbox: connect an application</title></head><body>
<h1>Connect an application (Allegro sandbox)</h1>
<form method="post"><p><label>Code <input name="code" value="{code}"></label></p>
<p><label>Seller login or id <input name="login" value="{login}"></label></p>
<p><button name="decision" value="approve">Allow</button>
<button name="decision" value="deny">Deny</button></p></form><p>{note}</p></body></html>"""


@get(oauth_logic.VERIFICATION_PATH, media_type="text/html", sync_to_thread=False)
def verification_page(request: Request[Any, Any, Any]) -> str:
    """The seller's confirmation page (`verification_uri_complete` lands here)."""
    store = runtime_of(request).store
    code = request.query_params.get("code", "")
    first = next(iter(store.sellers.values()), None)
    login = first.login if first else ""
    return _PAGE.format(code=html.escape(code), login=html.escape(login), note="")


@post(oauth_logic.VERIFICATION_PATH, media_type="text/html", status_code=200)
async def verification_submit(request: Request[Any, Any, Any]) -> str:
    """Record the seller's answer (form fields `code`, `login`, `decision`) to a device code."""
    store = runtime_of(request).store
    form = await request.form()
    code, login = str(form.get("code", "")), str(form.get("login", ""))
    seller = store.seller_by_login(login)
    approve = form.get("decision", "approve") == "approve"
    known = seller is not None and oauth_logic.decide(store, code, seller.id, approve)
    note = ("Allowed." if approve else "Denied.") if known else "Unknown code or seller."
    return _PAGE.format(code=html.escape(code), login=html.escape(login), note=note)
