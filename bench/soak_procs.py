"""The soak's own processes: a Redis server, the sandboxes and the arq workers.

Each is a child process in a session of its own, started with the soak's environment and stopped
by its pid (never by name). `Redis` can be shut down without saving and started again on the
same port (its data is lost: locks, queues and job results vanish); a `Worker` can be SIGKILLed
and started again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "bench" / "results" / "soak-logs"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` s; a no-op when it has already ended."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _log(name: str) -> int:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return os.open(LOG_DIR / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


def spawn(
    command: list[str], name: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` in a session of its own, output appended to `soak-logs/{name}.log`."""
    out = _log(name)
    try:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    finally:
        os.close(out)


@dataclass
class RedisServer:
    """A private redis-server on a free port, nothing saved to disk."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its address (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it answers PING."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = spawn(command, "redis")
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def restart(self) -> None:
        """SHUTDOWN NOSAVE (every key is lost), then start again on the same port."""
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(self.url).shutdown(nosave=True)
        if self.process is not None:
            self.process.wait(timeout=10)
        self.start()

    def stop(self) -> None:
        """Stop it."""
        stop(self.process)


@dataclass
class Sandboxes:
    """`python -m server.sandboxes` on two free ports (the demo catalogue)."""

    wix_port: int = field(default_factory=free_port)
    allegro_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def wix(self) -> str:
        """The Wix sandbox's base URL."""
        return f"http://127.0.0.1:{self.wix_port}"

    @property
    def allegro(self) -> str:
        """The Allegro sandbox's base URL (API and auth host)."""
        return f"http://127.0.0.1:{self.allegro_port}"

    def start(self, patch_async_share: float) -> None:
        """Start both sandboxes and wait until they answer."""
        command = [sys.executable, "-m", "server.sandboxes", "--host", "127.0.0.1"]
        command += ["--wix-port", str(self.wix_port), "--allegro-port", str(self.allegro_port)]
        command += ["--log-level", "warning", "--no-banner", "--exit-with-parent"]
        command += ["--allegro-patch-async-share", str(patch_async_share)]
        self.process = spawn(command, "sandboxes")
        deadline = time.monotonic() + 30
        for url in (self.wix, self.allegro):
            while True:
                try:
                    httpx.get(f"{url}/_sandbox/counters", timeout=1.0, trust_env=False)
                    break
                except httpx.HTTPError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the sandboxes did not start") from None
                    time.sleep(0.1)

    def stop(self) -> None:
        """Stop them."""
        stop(self.process)


@dataclass
class Worker:
    """One `arq worker.settings.WorkerSettings` process."""

    name: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        """Start the worker process (a no-op while it runs)."""
        if self.process is not None and self.process.poll() is None:
            return
        command = [sys.executable, "-m", "arq", "worker.settings.WorkerSettings"]
        self.process = spawn(command, self.name, self.env)

    def kill(self) -> None:
        """SIGKILL it (no shutdown, no lock release) and reap it."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.kills += 1

    def stop(self) -> None:
        """Stop it (SIGTERM; SIGKILL when arq has not finished within 5 s)."""
        stop(self.process, timeout=5.0)
