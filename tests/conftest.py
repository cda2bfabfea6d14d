"""Test harness: a fresh PostgreSQL database per run, real Redis, the app, users and tokens.

The database and environment are prepared in `pytest_configure`, before any test module imports
`server` code (settings are read once, on first use). Tables are truncated before each test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis

from server.devtools import services
from tests.log_secrets import SecretLogWatch
from tests.seeded_secrets import register_secret

if TYPE_CHECKING:
    from server.domain.alerts import Alert

TEST_REDIS_DBS = range(8, 16)
"""Each run claims one of these Redis databases for itself (the demo uses 0)."""
REDIS_CLAIM_KEY = "stockbridge:test-run-claim"
REDIS_CLAIM_TTL_S = 3600
_resources = contextlib.ExitStack()


async def _migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    assert result.success, result.message


def _with_db(url: str, db: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def claim_redis(client: redis.Redis) -> None:
    """(Re)write this run's claim on its Redis database, e.g. after a flush."""
    client.set(REDIS_CLAIM_KEY, str(os.getpid()), ex=REDIS_CLAIM_TTL_S)


def _claim_redis_db() -> str:
    """A Redis database no other test run is using, emptied; concurrent runs never share one."""
    first = services.ensure_redis(db=TEST_REDIS_DBS[0])
    for db in TEST_REDIS_DBS:
        url = _with_db(first, db)
        client = redis.Redis.from_url(url)
        if client.set(REDIS_CLAIM_KEY, str(os.getpid()), nx=True, ex=REDIS_CLAIM_TTL_S):
            client.flushdb()
            claim_redis(client)
            return url
    raise RuntimeError("Redis databases 8-15 are all claimed by other test runs")


def _is_xdist_controller(config: pytest.Config) -> bool:
    """Whether this process only hands tests out to xdist workers (it runs none itself)."""
    return bool(getattr(config.option, "numprocesses", None)) and not os.environ.get(
        "PYTEST_XDIST_WORKER"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Create this run's database, point the environment at it and migrate it.

    The secret-log watch is installed first, so it sees every record of the run. Under xdist
    (`make test` runs two workers) each worker is a run of its own, with its own database and
    Redis database; the controller runs no test and only gathers the workers' secret-log hits.
    """
    watch = SecretLogWatch()
    watch.install()
    config.pluginmanager.register(watch, "stockbridge-secret-log-watch")
    if _is_xdist_controller(config):
        return
    database_url = _resources.enter_context(services.temporary_database("sb_test"))
    redis_url = _claim_redis_db()
    media_dir = _resources.enter_context(tempfile.TemporaryDirectory(prefix="sb_media_"))
    secret_key = secrets.token_urlsafe(48)
    register_secret("SECRET_KEY", secret_key)
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secret_key,
        MEDIA_DIR=media_dir,
        LOG_LEVEL="WARNING",
    )
    asyncio.run(_migrate())


def pytest_unconfigure(config: pytest.Config) -> None:
    """Drop this run's database and stop any embedded server."""
    if _is_xdist_controller(config):
        return
    with contextlib.suppress(Exception):
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    _resources.close()
    services.stop_embedded()


@pytest.fixture(scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The app under test, in-process over ASGI, with its resources opened on the test loop.

    (Litestar's own lifespan runs in an anyio task group that cannot span pytest's fixture tasks.)
    """
    from server.app import create_app
    from server.lifespan import open_resources
    from server.settings import get_settings

    app = create_app()
    async with open_resources(app, get_settings()):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture(autouse=True)
async def clean_database(client: httpx.AsyncClient) -> None:
    """Every test starts clean: empty tables, no kept catalogue count, no login throttled, no
    earlier test's sync-run keys in Redis (run ids restart at 1 in every test, so a leftover
    `arq:in-progress:sync_run:1` would make arq skip this test's run 1 as "running elsewhere").

    It also renews this run's claim on its Redis database.
    """
    from server.db.tables import ALL_TABLES
    from server.domain.db import fetch
    from server.domain.login_throttle import KEY_PREFIX
    from server.domain.product_totals import forget_catalogue_count
    from tests.integration.runs_helpers import forget_runs

    names = ", ".join(f'"{table._meta.tablename}"' for table in ALL_TABLES)
    await fetch(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    forget_catalogue_count()
    # A run longer than the claim's TTL must not lose its Redis database to a newer run.
    with contextlib.closing(redis.Redis.from_url(os.environ["REDIS_URL"])) as claims:
        claim_redis(claims)
    app_redis = client._transport.app.state.redis  # type: ignore[attr-defined]
    keys = [key async for key in app_redis.scan_iter(match=f"{KEY_PREFIX}*")]
    if keys:
        await app_redis.delete(*keys)
    await forget_runs(app_redis)


@pytest.fixture
async def admin():  # type: ignore[no-untyped-def]
    from server.domain.users import create_user

    return await create_user("admin@example.com", "admin-password-1", "admin")


@pytest.fixture
async def viewer():  # type: ignore[no-untyped-def]
    from server.domain.users import create_user

    return await create_user("viewer@example.com", "viewer-password-1", "viewer")


@pytest.fixture
async def admin_headers(admin) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from server.domain.auth import issue_api_token

    token, _ = await issue_api_token(admin.id, "tests")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def viewer_headers(viewer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from server.domain.auth import issue_api_token

    token, _ = await issue_api_token(viewer.id, "tests")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def warehouses() -> list[str]:
    from server.domain.warehouses import create_warehouse

    await create_warehouse("A", "Main warehouse")
    await create_warehouse("B", "Overflow")
    return ["A", "B"]


@pytest.fixture
async def product(warehouses: list[str]) -> str:
    from server.domain.products import NewProduct, create_product
    from server.domain.refs import Actor

    await create_product(NewProduct(sku="SKU-1", name="Blue widget"), actor=Actor(email="t"))
    return "SKU-1"


@pytest.fixture
async def alerts() -> AsyncIterator[list[Alert]]:
    """Every alert raised during the test (`server.domain.alerts`), in order."""
    from server.domain.alerts import add_alert_listener, remove_alert_listener

    seen: list[Alert] = []

    async def listener(alert: Alert) -> None:
        seen.append(alert)

    add_alert_listener(listener)
    yield seen
    remove_alert_listener(listener)
