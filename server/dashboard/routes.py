"""Every dashboard route handler, in one list for the app factory."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from server.dashboard.session_views import login_page, login_submit, logout


def dashboard_routes() -> list[ControllerRouterHandler]:
    """The dashboard's pages and form handlers."""
    return [login_page, login_submit, logout]
