"""Login and logout pages: server-side sessions with a fresh id at every login.

The login form itself is protected by a double-submit token (a cookie and a hidden field that must
match), since there is no session yet to tie a CSRF token to.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from server.domain.auth import create_session, end_session
from server.domain.login_throttle import LoginThrottledError, throttled_authenticate
from server.settings import get_settings
from server.web.auth import SESSION_COOKIE, client_address
from server.web.guards import CSRF_FIELD, require_user

LOGIN_CSRF_COOKIE = "sb_login_csrf"


def safe_next(target: str | None) -> str:
    """Only same-site paths may be redirected to after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    next_path: str,
    error: str | None,
    status: int,
    email: str = "",
    headers: dict[str, str] | None = None,
) -> Template:
    token = secrets.token_urlsafe(32)
    return Template(
        headers=headers,
        template_name="login.html",
        context={"csrf": token, "next": next_path, "error": error, "email": email, "user": None},
        status_code=status,
        cookies=[
            Cookie(
                key=LOGIN_CSRF_COOKIE, value=token, httponly=True, samesite="strict", path="/login"
            )
        ],
    )


@get("/login", name="login", include_in_schema=False)
async def login_page(next: FromQuery[str | None] = None) -> Template:
    """The login form."""
    return _login_page(safe_next(next), None, 200)


@post("/login", include_in_schema=False)
async def login_submit(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[dict[str, str]],
) -> Template | Redirect:
    """Check the credentials, end any earlier session and start a new one."""
    next_path = safe_next(data.get("next"))
    email = data.get("email", "")[:254]
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not secrets.compare_digest(cookie_token, data.get(CSRF_FIELD, "")):
        return _login_page(next_path, "The form expired; please try again.", 403, email)
    try:
        user = await throttled_authenticate(
            request.app.state.redis, client_address(request), email, data.get("password", "")
        )
    except LoginThrottledError as locked:
        message = f"Too many failed logins. Try again in {locked.retry_after} seconds."
        headers = {"Retry-After": str(locked.retry_after)}
        return _login_page(next_path, message, 429, email, headers)
    if user is None:
        return _login_page(next_path, "Wrong e-mail or password.", 401, email)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await end_session(old)
    settings = get_settings()
    token, _csrf = await create_session(user.id, timedelta(hours=settings.session_ttl_hours))
    response = Redirect(path=next_path)
    response.set_cookie(
        key=SESSION_COOKIE,
        value=token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_ttl_hours * 3600,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@post("/logout", guards=[require_user], include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    """End the session (the CSRF check has already run) and go back to the login page."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await end_session(token)
    response = Redirect(path="/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
