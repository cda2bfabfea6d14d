"""What every dashboard page needs: the user, the CSRF token, flash messages and form errors.

`render()` builds a page with the common context (user, csrf_token, flash, nav) and clears the
flash cookie once its message has been shown. `redirect_with_flash()` ends a successful form post
(POST-redirect-GET) with a short-lived, signed message for the next page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from typing import Any
from urllib.parse import quote, unquote

from litestar import Request
from litestar.response import Redirect, Template

from server.domain.refs import Actor
from server.domain.users import UserRecord
from server.errors import AuthenticationError, DomainError
from server.settings import get_settings
from server.web.guards import current_user, session_info

FLASH_COOKIE = "sb_flash"
FLASH_MAX_AGE_SECONDS = 60
_SIGNATURE_LENGTH = 32


@dataclasses.dataclass(frozen=True)
class FormError:
    """A refused form: which form, which field (if one is to blame) and what is wrong."""

    form: str
    message: str
    field: str | None = None
    values: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_domain(cls, form: str, error: DomainError, values: dict[str, str]) -> FormError:
        """The form error for a domain refusal, keeping what the user typed."""
        return cls(form=form, message=_sentence(error.message), field=error.field, values=values)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] if message else "The request was refused."


def dashboard_user(request: Request[Any, Any, Any]) -> UserRecord:
    """The logged-in user (the route guard has already checked there is one)."""
    user = current_user(request)
    if user is None:
        raise AuthenticationError("authentication required")
    return user


def dashboard_actor(request: Request[Any, Any, Any]) -> Actor:
    """The actor recorded on operations made through the dashboard."""
    return Actor(email=dashboard_user(request).email, source="dashboard")


def _signature(message: str) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, b"flash:" + message.encode(), hashlib.sha256).hexdigest()
    return digest[:_SIGNATURE_LENGTH]


def read_flash(request: Request[Any, Any, Any]) -> str | None:
    """The flash message sent by the previous response, if it is there and intact."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    encoded, _, signature = raw.rpartition(".")
    message = unquote(encoded)
    if not hmac.compare_digest(signature, _signature(message)):
        return None
    return message


def redirect_with_flash(path: str, message: str) -> Redirect:
    """Redirect (303, so the browser GETs) and show `message` on the next page."""
    response = Redirect(path=path, status_code=303)
    response.set_cookie(
        key=FLASH_COOKIE,
        value=f"{quote(message, safe='')}.{_signature(message)}",
        max_age=FLASH_MAX_AGE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
    )
    return response


def page_context(request: Request[Any, Any, Any], **values: Any) -> dict[str, Any]:
    """The context every page template gets, plus the page's own values."""
    info = session_info(request)
    context: dict[str, Any] = {
        "user": current_user(request),
        "csrf_token": info.csrf_token if info is not None else "",
        "flash": read_flash(request),
        "nav": "",
        "form_error": None,
    }
    context.update(values)
    return context


def render(
    request: Request[Any, Any, Any], template: str, *, status: int = 200, **values: Any
) -> Template:
    """A page with the common context; a flash message shown here is cleared."""
    context = page_context(request, **values)
    response = Template(template_name=template, context=context, status_code=status)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
