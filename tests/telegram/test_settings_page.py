"""The dashboard's settings page: Telegram status without the token, and the test alert button."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from server.domain.alerts import Alert
from server.domain.auth import create_session
from server.domain.users import UserRecord


async def _session(user: UserRecord) -> tuple[dict[str, str], str]:
    token, csrf = await create_session(user.id, timedelta(hours=1))
    return {"Cookie": f"sb_session={token}"}, csrf


async def test_the_page_says_telegram_is_off_and_never_shows_a_token(
    client: httpx.AsyncClient, viewer: UserRecord
) -> None:
    headers, _ = await _session(viewer)
    page = await client.get("/settings", headers=headers)
    assert page.status_code == 200
    assert "TELEGRAM_BOT_TOKEN" in page.text and "Configured" not in page.text
    assert "Send test alert" not in page.text, "viewers get no button"


async def test_an_admin_sends_a_test_alert_with_csrf(
    client: httpx.AsyncClient, admin: UserRecord, alerts: list[Alert]
) -> None:
    headers, csrf = await _session(admin)
    page = await client.get("/settings", headers=headers)
    assert "Send test alert" in page.text
    refused = await client.post("/settings/test-alert", headers=headers, data={})
    assert refused.status_code == 403 and alerts == []
    sent = await client.post("/settings/test-alert", headers=headers, data={"_csrf": csrf})
    assert sent.status_code == 303
    assert [alert.kind for alert in alerts] == ["test"]
    assert "admin@example.com" in alerts[0].message


async def test_viewers_cannot_send_test_alerts(
    client: httpx.AsyncClient, viewer: UserRecord, alerts: list[Alert]
) -> None:
    headers, csrf = await _session(viewer)
    response = await client.post("/settings/test-alert", headers=headers, data={"_csrf": csrf})
    assert response.status_code == 403 and alerts == []


async def test_a_configured_bot_is_shown_as_such_without_its_token(
    client: httpx.AsyncClient, viewer: UserRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.settings import get_settings

    token = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("TELEGRAM_ALERT_CHAT_IDS", "-100200300")
    get_settings.cache_clear()
    try:
        headers, _ = await _session(viewer)
        page = await client.get("/settings", headers=headers)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "Configured" in page.text and "-100200300" in page.text
    assert token not in page.text and token.split(":")[1] not in page.text
