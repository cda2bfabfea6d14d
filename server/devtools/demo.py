"""`make demo`: everything needed to try StockBridge on one machine, in one command.

Finds or starts PostgreSQL and Redis (see `server.devtools.services`), keeps a generated SECRET_KEY
in `.data/secret_key` unless one is configured, starts the Wix and Allegro sandboxes as a child
process (`server.devtools.sandboxes`) and points the app at them, migrates, seeds the demo
catalogue, makes sure the demo admin can log in, connects two Wix and two Allegro demo accounts
and auto-maps them over HTTP (`server.devtools.demo_accounts`), prints the addresses and logins,
then runs the Procfile's processes with honcho until Ctrl-C. The sandboxes and any embedded server
started here live until honcho has stopped.

Run as `python -m server.devtools.demo`. DEMO_ADMIN_EMAIL and DEMO_ADMIN_PASSWORD (environment
or `.env`) override the demo login; WIX_SANDBOX_PORT and ALLEGRO_SANDBOX_PORT the sandbox ports.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from redis.asyncio import Redis

from server.connectors.factory import build_connectors
from server.devtools.demo_accounts import prepare_demo_accounts, summary_line
from server.devtools.embedded import DATA_DIR, PROJECT_ROOT
from server.devtools.prepare import describe_services, migrate, prepared_environment
from server.devtools.sandboxes import (
    SandboxStartError,
    SandboxUrls,
    running_sandboxes,
    sandbox_ports,
)
from server.devtools.seed import seed_demo
from server.devtools.services import configured
from server.domain.db import engine
from server.domain.users import Role, create_user, set_password
from server.errors import ConflictError
from server.sandboxes.demo import credentials_lines
from server.settings import get_settings

DEFAULT_ADMIN_EMAIL = "admin@example.com"
DEFAULT_ADMIN_PASSWORD = "stockbridge-demo"  # the published demo login, see README
DEMO_ENV_FILE = DATA_DIR / "demo.env"
POOL_SIZE = 10


async def ensure_admin(email: str, password: str) -> str:
    """Create the demo admin, or reset its password so the printed login works; say which."""
    try:
        await create_user(email, password, Role.ADMIN)
    except ConflictError:
        await set_password(email, password)
        return "existing user, password set to the demo password"
    return "created"


async def seed_catalogue() -> None:
    """Seed the demo catalogue (unless there are products) and say what happened."""
    report = await seed_demo()
    if report.skipped:
        print("Demo catalogue: products exist already, nothing seeded")
    else:
        print(
            f"Demo catalogue: {report.products_created} products, "
            f"{report.operations} stock operations in {report.seconds:.1f} s"
        )


async def connect_accounts(redis_url: str) -> None:
    """Connect and auto-map the demo accounts against the sandboxes the settings point at."""
    redis = Redis.from_url(redis_url)
    try:
        summaries = await prepare_demo_accounts(build_connectors(get_settings(), redis))
    finally:
        await redis.aclose()
    print("Demo accounts (auto-mapped by SKU):")
    for summary in summaries:
        print(f"  {summary_line(summary)}")


async def prepare_database(email: str, password: str, redis_url: str) -> None:
    """Migrate, seed, create the admin and connect the demo accounts, printing what happened."""
    await migrate()
    db = engine()
    await db.start_connection_pool(min_size=1, max_size=POOL_SIZE)
    try:
        await seed_catalogue()
        print(f"Admin {email}: {await ensure_admin(email, password)}")
        await connect_accounts(redis_url)
    finally:
        await db.close_connection_pool()


def honcho_command(port: str, with_bot: bool) -> list[str]:
    """The honcho invocation: `.env` first, then the resolved values in `.data/demo.env`."""
    processes = ["web", "worker", *(["bot"] if with_bot else [])]
    env_files = f".env,{DEMO_ENV_FILE.relative_to(PROJECT_ROOT)}"
    return [
        *(sys.executable, "-m", "honcho", "start", "--app-root", str(PROJECT_ROOT)),
        *("-f", str(PROJECT_ROOT / "Procfile"), "-e", env_files, "-p", port),
        *processes,
    ]


def write_demo_env(values: dict[str, str]) -> None:
    """Keep the resolved settings where honcho reads them last, so they win over `.env`."""
    DEMO_ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_ENV_FILE.touch(mode=0o600)
    lines = [f"{name}={value}" for name, value in values.items()]
    DEMO_ENV_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_processes(command: list[str], env: dict[str, str]) -> int:
    """Run honcho until it exits; Ctrl-C or SIGTERM here asks it to stop its processes.

    Returns honcho's exit code, or 0 when the stop was asked for.
    """
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    stop_requested = False

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_requested
        stop_requested = True
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    returncode = process.wait()
    return 0 if stop_requested else returncode


def procfile_has_bot() -> bool:
    """Whether the Procfile declares a `bot` process."""
    lines = (PROJECT_ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return any(line.startswith("bot:") for line in lines)


def bot_status(token_set: bool) -> tuple[bool, str]:
    """Whether to run the bot, and the line the banner shows about it."""
    if not token_set:
        return False, "off (set TELEGRAM_BOT_TOKEN)"
    if not procfile_has_bot():
        return False, "off (this version has no bot process in the Procfile yet)"
    return True, "on (commands from TELEGRAM_ALLOWED_IDS, alerts to TELEGRAM_ALERT_CHAT_IDS)"


def sandbox_settings(urls: SandboxUrls) -> dict[str, str]:
    """The settings that point web and worker at the sandboxes (Allegro: API and auth host)."""
    return {
        "WIX_API_URL": urls.wix,
        "ALLEGRO_API_URL": urls.allegro,
        "ALLEGRO_AUTH_URL": urls.allegro,
    }


def _print_banner(address: str, login: str, bot_line: str, urls: SandboxUrls) -> None:
    print()
    print(f"  StockBridge:  {address}")
    print(f"  Login:        {login}")
    print(f"  Telegram bot: {bot_line}")
    for line in credentials_lines(urls.wix, urls.allegro):
        print(f"  {line}")
    print("  Stop with Ctrl-C (stops the sandboxes too).")
    print()


def _stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    """Until honcho runs, SIGTERM unwinds like Ctrl-C, so sandboxes and servers are stopped."""
    raise SystemExit(128 + signum)


def main() -> int:
    """Prepare everything, then run the processes until they stop."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return run_demo()
    except SandboxStartError as error:
        print(f"stockbridge: the sandboxes did not start: {error}", file=sys.stderr)
        return 1


def run_demo() -> int:
    """Services, sandboxes, database and accounts, then honcho until it stops."""
    email = configured("DEMO_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL
    password = configured("DEMO_ADMIN_PASSWORD") or DEFAULT_ADMIN_PASSWORD
    host = configured("HOST") or "127.0.0.1"
    port = configured("PORT") or "8000"
    with_bot, bot_line = bot_status(bool(configured("TELEGRAM_BOT_TOKEN")))
    with prepared_environment() as found, running_sandboxes(*sandbox_ports()) as urls:
        for line in describe_services():
            print(line)
        os.environ.update(sandbox_settings(urls))  # before anything reads the settings
        asyncio.run(prepare_database(email, password, found.redis_url))
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - display
        address = f"http://{shown_host}:{port}"
        resolved = {
            "PUBLIC_URL": configured("PUBLIC_URL") or address,
            "DATABASE_URL": found.database_url,
            "REDIS_URL": found.redis_url,
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "HOST": host,
            "PORT": port,
            **sandbox_settings(urls),
        }
        write_demo_env(resolved)
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        env = {**os.environ, **resolved, "PATH": path, "PYTHONUNBUFFERED": "1"}
        _print_banner(address, f"{email} / {password}", bot_line, urls)
        return run_processes(honcho_command(port, with_bot), env)


if __name__ == "__main__":
    raise SystemExit(main())
