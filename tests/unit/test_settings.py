"""Settings: read from the environment and `.env`; a bad value names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from server.connectors.allegro import AllegroConnector
from server.connectors.wix import WixConnector
from server.settings import SettingsError, load_settings

GOOD = {
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/x",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "k" * 40,
}


def test_defaults_and_lists() -> None:
    settings = load_settings({**GOOD, "TELEGRAM_ALERT_CHAT_IDS": "1, -1002"}, env_file=None)
    assert settings.sync_batch_size == 100
    assert settings.sync_interval_minutes == 30
    assert settings.telegram_alert_chat_ids == [1, -1002]


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SYNC_BATCH_SIZE": "many"}, "SYNC_BATCH_SIZE"),
        ({"SYNC_BATCH_SIZE": "101"}, "SYNC_BATCH_SIZE"),
        ({"PORT": "0"}, "PORT"),
        ({"TELEGRAM_ALERT_CHAT_IDS": "12,abc"}, "TELEGRAM_ALERT_CHAT_IDS"),
    ],
)
def test_bad_value_names_the_variable(override: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({**GOOD, **override}, env_file=None)
    assert variable in str(error.value)
    assert "k" * 40 not in str(error.value)


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport SYNC_BATCH_SIZE=50\nSYNC_INTERVAL_MINUTES='15'\n", encoding="utf-8"
    )
    settings = load_settings({**GOOD, "SYNC_INTERVAL_MINUTES": "5"}, env_file=env_file)
    assert (settings.sync_batch_size, settings.sync_interval_minutes) == (50, 5)


def test_malformed_env_file_line(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("this is not a setting\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="NAME=value"):
        load_settings(GOOD, env_file=env_file)


@pytest.mark.parametrize(("value", "wait_s"), [(None, 60.0), ("2.5", 2.5), ("0", 0.0)])
def test_rate_limited_wait_reaches_both_marketplaces(value: str | None, wait_s: float) -> None:
    """Wix and Allegro both ask for a minute after a 429; the soak shortens it for its sandboxes."""
    env = GOOD if value is None else {**GOOD, "RATE_LIMITED_WAIT_SECONDS": value}
    settings = load_settings(env, env_file=None)
    redis = Redis.from_url(settings.redis_url)
    wix, allegro = WixConnector(settings, redis), AllegroConnector(settings, redis)
    assert wix.retry_policy().rate_limited_min_delay_s == wait_s
    assert allegro.retry_policy().rate_limited_min_delay_s == wait_s
    assert wix.retry_policy().attempts == allegro.retry_policy().attempts == 3


def test_rate_limited_wait_is_bounded() -> None:
    with pytest.raises(SettingsError, match="RATE_LIMITED_WAIT_SECONDS"):
        load_settings({**GOOD, "RATE_LIMITED_WAIT_SECONDS": "-1"}, env_file=None)
