"""Telegram settings: lists and numbers are checked at start, naming the variable; the token is
never part of the settings' text form."""

from __future__ import annotations

import pytest

from server.settings import SettingsError, load_settings

BASE = {
    "DATABASE_URL": "postgresql://sb:db-password@db/sb",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "k" * 40,
}
TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"


def test_the_token_and_other_secrets_never_appear_in_the_repr() -> None:
    settings = load_settings(
        {**BASE, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_ALLOWED_IDS": "42, -100"}, env_file=None
    )
    text = f"{settings!r} {settings}"
    assert TOKEN not in text and "AAHdq" not in text and "db-password" not in text
    assert "telegram_bot_token=***" in text
    assert settings.telegram_allowed_ids == [42, -100]
    assert settings.telegram_enabled and not settings.telegram_alerts_enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_ALERT_CHAT_IDS", "12,chat"),
        ("TELEGRAM_ALLOWED_IDS", "@someone"),
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("TELEGRAM_API_URL", "api.telegram.org"),
        ("ALERT_COOLDOWN_MINUTES", "0"),
        ("DRIFT_ALERT_THRESHOLD", "-1"),
    ],
)
def test_a_malformed_value_fails_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"setting {name} is missing or invalid") as error:
        load_settings({**BASE, name: value}, env_file=None)
    assert value not in str(error.value) or name != "TELEGRAM_BOT_TOKEN"
