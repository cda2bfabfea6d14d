"""A real arq worker for the browser tests: `python -m arq worker.settings.WorkerSettings`.

The worker runs in a subprocess with the live server's environment (the per-run database and
Redis, and the marketplace URLs pointing at the live sandboxes), on arq's default queue, so a
sync started from the dashboard is run by it. A test module imports `live_worker`, lists it in
`__all__` and uses it as `pytest.mark.usefixtures("live_worker")` (or as an argument). Queued
jobs and sync state that earlier tests left in Redis are dropped before the worker starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from arq.constants import default_queue_name, health_check_key_suffix

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
HEALTH_KEY = default_queue_name + health_check_key_suffix
"""Written by an arq worker on its first poll of the queue: it is polling once this exists."""
STALE_PATTERNS = ("arq:job:sync*", "arq:result:sync*", "arq:retry:sync*", "stockbridge:*")
"""Job ids and run state earlier tests left (run ids restart at 1 after each truncation)."""


def forget_earlier_jobs(client: redis.Redis) -> None:
    """Drop queued jobs, sync job ids, run state and the health key earlier tests left."""
    keys: list[Any] = [default_queue_name, HEALTH_KEY]
    for pattern in STALE_PATTERNS:
        keys.extend(client.scan_iter(match=pattern))
    client.delete(*keys)


def worker_env(wix_url: str, allegro_url: str) -> dict[str, str]:
    """The live server's environment: this run's database and Redis, the sandboxes' URLs."""
    return {
        **os.environ,
        "WIX_API_URL": wix_url,
        "ALLEGRO_API_URL": allegro_url,
        "ALLEGRO_AUTH_URL": allegro_url,
        "PYTHONUNBUFFERED": "1",
    }


def wait_until_polling(process: subprocess.Popen[bytes], client: redis.Redis, log: Path) -> None:
    """Return once the worker wrote its health key; fail if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{log.read_text(errors='replace')}")
        if client.exists(HEALTH_KEY):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the worker did not start polling:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (arq shuts down cleanly), then SIGKILL if it does not exit in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def live_worker(
    tmp_path_factory: pytest.TempPathFactory,
    live_server: str,
    wix_sandbox_url: str,
    allegro_sandbox_url: str,
) -> Iterator[Path]:
    """A running arq worker (polling the default queue); yields the path of its log."""
    log = tmp_path_factory.mktemp("live_worker") / "worker.log"
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    forget_earlier_jobs(client)
    command = [sys.executable, "-m", "arq", "worker.settings.WorkerSettings"]
    env = worker_env(wix_sandbox_url, allegro_sandbox_url)
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output)
    try:
        wait_until_polling(process, client, log)
        yield log
    finally:
        stop(process)
        client.close()
