"""The settings page: whether Telegram is configured (never the token) and a test alert."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from server.dashboard.context import redirect_with_flash, render
from server.domain.alerts import Alert, raise_alert
from server.settings import get_settings
from server.web.guards import require_admin, require_user


@get("/settings", name="dashboard:settings", guards=[require_user], include_in_schema=False)
async def settings_page(request: Request[Any, Any, Any]) -> Template:
    """Telegram and alert settings as configured in the environment (the token never shown)."""
    settings = get_settings()
    return render(
        request,
        "settings.html",
        nav="settings",
        telegram={
            "bot_configured": settings.telegram_enabled,
            "alerts_enabled": settings.telegram_alerts_enabled,
            "api_url": settings.telegram_api_url,
            "alert_chat_ids": settings.telegram_alert_chat_ids,
            "allowed_ids": settings.telegram_allowed_ids,
            "cooldown_minutes": settings.alert_cooldown_minutes,
            "drift_threshold": settings.drift_alert_threshold,
        },
    )


@post("/settings/test-alert", guards=[require_admin], include_in_schema=False)
async def send_test_alert(request: Request[Any, Any, Any]) -> Redirect:
    """Raise a test alert (its own key, so no cooldown holds it back)."""
    settings = get_settings()
    user = request.user
    await raise_alert(
        Alert(
            kind="test",
            key=f"test:{time.time_ns()}",
            message=f"Test alert sent by {getattr(user, 'email', 'an admin')} from the dashboard.",
            action="Nothing: this only checks that alerts arrive.",
        )
    )
    if not settings.telegram_alerts_enabled:
        return redirect_with_flash(
            "/settings",
            "Telegram alerts are off (set TELEGRAM_BOT_TOKEN and TELEGRAM_ALERT_CHAT_IDS): "
            "the test alert was only logged.",
        )
    return redirect_with_flash("/settings", "Test alert queued; it reaches Telegram in seconds.")
