"""StockBridge settings: one typed object read once from the environment and `.env`.

Every external address (database, Redis, marketplaces, Telegram) is a setting, so the demo and the
tests can point them at local services. A missing or malformed value stops start-up with a message
naming the variable.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec

PositiveInt = Annotated[int, msgspec.Meta(ge=1)]


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the environment variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """All configuration, named after its environment variable in lower case."""

    database_url: Annotated[str, msgspec.Meta(pattern=r"^postgres(ql)?://")]
    redis_url: Annotated[str, msgspec.Meta(pattern=r"^(redis|rediss|unix)://")]
    secret_key: Annotated[str, msgspec.Meta(min_length=32)]
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8000
    log_level: Annotated[str, msgspec.Meta(pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO"
    media_dir: str = ".data/media"
    """Uploaded files (product images and their thumbnails); created on first upload."""
    session_ttl_hours: PositiveInt = 12
    secure_cookies: bool = False
    db_pool_max_size: PositiveInt = 20
    sync_interval_minutes: PositiveInt = 30
    sync_batch_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 100
    sync_retry_attempts: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    sync_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=600)] = 30.0
    rate_limited_wait_seconds: Annotated[float, msgspec.Meta(ge=0, le=600)] = 60.0
    """Least wait after a marketplace 429 that names no Retry-After. Wix asks for a minute and
    Allegro blocks a Client ID for one; lower it only against the sandboxes (the soak does)."""
    wix_api_url: str = "https://www.wixapis.com"
    allegro_api_url: str = "https://api.allegro.pl"
    allegro_auth_url: str = "https://allegro.pl"
    allegro_user_agent: Annotated[str, msgspec.Meta(pattern=r"^\S+/\S+ \(\+\S+\)$")] = (
        "StockBridge/0.1.0 (+https://github.com/stockbridge/stockbridge)"
    )
    """`AppName/Version (+URL)`: Allegro wants the application name registered with it."""
    telegram_bot_token: Annotated[str, msgspec.Meta(pattern=r"^(|\d+:[A-Za-z0-9_-]+)$")] = ""
    """Secret: never logged nor shown; `repr` of the settings masks it."""
    telegram_alert_chat_ids: list[int] = msgspec.field(default_factory=list)
    telegram_allowed_ids: list[int] = msgspec.field(default_factory=list)
    """Chats and users the bot answers (a private chat's id is its user's id)."""
    telegram_api_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")] = (
        "https://api.telegram.org"
    )
    alert_cooldown_minutes: PositiveInt = 30
    drift_alert_threshold: Annotated[int, msgspec.Meta(ge=0)] = 50
    """Drifting listings after a reconciliation above which an alert is raised."""
    public_url: str = "http://127.0.0.1:8000"
    """Where the dashboard is reached; alerts link runs under it."""

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={'***' if name in _SECRET_FIELDS else repr(getattr(self, name))}"
            for name in self.__struct_fields__
        )
        return f"Settings({fields})"

    @property
    def telegram_enabled(self) -> bool:
        """Whether a bot token is configured (alerts and the bot need one)."""
        return bool(self.telegram_bot_token)

    @property
    def telegram_alerts_enabled(self) -> bool:
        """Whether alerts go to Telegram: a bot token and at least one alert chat."""
        return self.telegram_enabled and bool(self.telegram_alert_chat_ids)


_LIST_FIELDS = frozenset({"telegram_alert_chat_ids", "telegram_allowed_ids"})
_SECRET_FIELDS = frozenset({"secret_key", "telegram_bot_token", "database_url", "redis_url"})
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file of `NAME=value` lines; quotes around a value are removed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match is None:
            raise SettingsError(f"{path}: cannot read line {line!r} (expected NAME=value)")
        name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def _raw_values(environ: Mapping[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for name in Settings.__struct_fields__:
        value = environ.get(name.upper())
        if value is None or value == "":
            continue
        if name in _LIST_FIELDS:
            raw[name] = [item.strip() for item in value.split(",") if item.strip()]
        else:
            raw[name] = value
    return raw


def _variable_from_error(error: msgspec.ValidationError) -> str:
    message = str(error)
    at_path = re.search(r"at `\$\.([a-z_]+)", message)
    missing = re.search(r"missing required field `([a-z_]+)`", message)
    name = (at_path or missing).group(1) if (at_path or missing) else "?"  # type: ignore[union-attr]
    return name.upper()


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Settings from `.env` overlaid by the environment; SettingsError names a bad variable."""
    merged: dict[str, str] = read_env_file(env_file) if env_file is not None else {}
    merged.update(os.environ if environ is None else environ)
    try:
        return msgspec.convert(_raw_values(merged), Settings, strict=False)
    except msgspec.ValidationError as error:
        variable = _variable_from_error(error)
        reason = str(error).split(" - at ")[0]
        raise SettingsError(f"setting {variable} is missing or invalid: {reason}") from None


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
