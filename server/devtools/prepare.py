"""Prepare a process to run StockBridge on a developer machine: services, secret key, migrations.

`prepared_environment()` finds or starts PostgreSQL and Redis and exports DATABASE_URL, REDIS_URL
and SECRET_KEY into `os.environ`. It must run before anything reads the settings: Piccolo imports
`piccolo_conf` (which reads them) on the first query, and `get_settings()` keeps what it read.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from server.devtools import embedded
from server.devtools.services import (
    DEFAULT_DATABASE,
    Services,
    configured,
    origins,
    running_services,
)

SECRET_KEY_FILE = embedded.DATA_DIR / "secret_key"


def secret_key() -> str:
    """SECRET_KEY if configured, else the one kept in `.data/secret_key` (made on first use)."""
    key = configured("SECRET_KEY")
    if key:
        return key
    if SECRET_KEY_FILE.is_file():
        kept = SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
        if kept:
            return kept
    SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    SECRET_KEY_FILE.touch(mode=0o600)
    SECRET_KEY_FILE.write_text(key + "\n", encoding="utf-8")
    return key


def make_piccolo_conf_importable() -> None:
    """Put the project root on sys.path: Piccolo imports `piccolo_conf` from there by name.

    `piccolo_conf.py` is not part of the installed packages, and a script such as
    `python bench/ledger.py` does not have the working directory on its path.
    """
    root = str(embedded.PROJECT_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)


@contextmanager
def prepared_environment(dbname: str = DEFAULT_DATABASE) -> Iterator[Services]:
    """Find or start the services and export their addresses; stop what was started on exit."""
    make_piccolo_conf_importable()
    with running_services(dbname) as found:
        os.environ["DATABASE_URL"] = found.database_url
        os.environ["REDIS_URL"] = found.redis_url
        os.environ["SECRET_KEY"] = secret_key()
        yield found


def describe_services() -> list[str]:
    """One line per service saying where it came from."""
    return [f"{name:<10} {origin}" for name, origin in sorted(origins.items())]


async def migrate() -> None:
    """Run every Piccolo migration that has not run yet; raise if one fails."""
    # Imported here so that nothing touches the settings before the environment is prepared.
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
