"""Browser-test harness: the real app under uvicorn in a subprocess, and Debian's Chromium.

The server process gets the environment the root conftest prepared (DATABASE_URL, REDIS_URL,
SECRET_KEY, ...), so it works on the same per-run database that the tests fill through the domain
functions and that the root conftest truncates before each test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_answering(
    url: str, process: subprocess.Popen[bytes], log: Path, *, healthy: bool = True
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            response = httpx.get(f"{url}/health" if healthy else url, timeout=1.0)
            if not healthy or response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer in time:\n{log.read_text(errors='replace')}")


@contextmanager
def _uvicorn(app: str, log: Path, env: dict[str, str], *, healthy: bool = True) -> Iterator[str]:
    """Serve an ASGI app factory with uvicorn on a free port; yield its base URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", app, "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output)
    try:
        _wait_until_answering(url, process, log, healthy=healthy)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def wix_sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo Wix sandbox served on a free port (see tests/browser/sandbox_apps.py)."""
    log = tmp_path_factory.mktemp("wix_sandbox") / "sandbox.log"
    with _uvicorn(
        "tests.browser.sandbox_apps:wix_app", log, dict(os.environ), healthy=False
    ) as url:
        yield url


@pytest.fixture(scope="session")
def allegro_sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Allegro sandbox served on a free port (auth host and API on one address)."""
    log = tmp_path_factory.mktemp("allegro_sandbox") / "sandbox.log"
    app = "tests.browser.sandbox_apps:allegro_app"
    with _uvicorn(app, log, dict(os.environ), healthy=False) as url:
        yield url


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, wix_sandbox_url: str, allegro_sandbox_url: str
) -> Iterator[str]:
    """The base URL of StockBridge served by uvicorn, talking to the sandboxes."""
    log = tmp_path_factory.mktemp("live_server") / "server.log"
    env = {
        **os.environ,
        "WIX_API_URL": wix_sandbox_url,
        "ALLEGRO_API_URL": allegro_sandbox_url,
        "ALLEGRO_AUTH_URL": allegro_sandbox_url,
    }
    with _uvicorn("server.app:create_app", log, env) as url:
        yield url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (`make test` installs it); without it the browser tests fail."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: install Debian's chromium package")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    """Chromium, headless (Playwright's own browser downloads are not used)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser, live_server: str) -> AsyncIterator[Page]:
    """A fresh browser context (no cookies) and page, aimed at the live server.

    Any uncaught JavaScript error on a page fails the test.
    """
    context = await browser.new_context(
        base_url=live_server, viewport={"width": 1360, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    tab = await context.new_page()
    script_errors: list[str] = []
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        yield tab
    finally:
        await context.close()
    assert not script_errors, f"JavaScript errors on the pages: {script_errors}"
