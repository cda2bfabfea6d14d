"""Run the marketplace sandboxes (`python -m server.sandboxes`) as a child process of a devtool.

`running_sandboxes(wix_port, allegro_port)` starts them, waits until both answer over HTTP, yields
their URLs and stops them on exit. The child gets a session of its own, so Ctrl-C in the terminal
reaches the app processes first and the sandboxes keep answering while those shut down; it is
started with `--exit-with-parent`, so it also ends if the devtool dies without cleaning up.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import httpx

from server.devtools.embedded import PROJECT_ROOT
from server.devtools.services import configured
from server.sandboxes.demo import ALLEGRO_PORT, WIX_PORT

HOST = "127.0.0.1"
START_SECONDS = 20.0
STOP_SECONDS = 10.0
PROBE_PATH = "/_sandbox/counters"
"""An admin route both sandboxes serve without credentials."""


class SandboxStartError(RuntimeError):
    """The sandboxes did not come up; the message says why."""


class SandboxUrls(NamedTuple):
    """Base URLs of the running sandboxes."""

    wix: str
    allegro: str


def sandbox_ports() -> tuple[int, int]:
    """The Wix and Allegro ports: WIX_SANDBOX_PORT / ALLEGRO_SANDBOX_PORT, else 8101 / 8102."""
    ports = []
    for name, default in (("WIX_SANDBOX_PORT", WIX_PORT), ("ALLEGRO_SANDBOX_PORT", ALLEGRO_PORT)):
        raw = configured(name) or str(default)
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise SandboxStartError(f"{name}={raw!r} is not a TCP port")
        ports.append(int(raw))
    return ports[0], ports[1]


def sandbox_command(wix_port: int, allegro_port: int, *extra: str) -> list[str]:
    """The command that runs both sandboxes on these ports."""
    return [
        *(sys.executable, "-m", "server.sandboxes", "--host", HOST),
        *("--wix-port", str(wix_port), "--allegro-port", str(allegro_port)),
        *extra,
    ]


def answers(url: str) -> bool:
    """Whether a sandbox answers HTTP at this base URL (any status will do)."""
    try:
        httpx.get(url + PROBE_PATH, timeout=1.0, trust_env=False)
    except httpx.HTTPError:
        return False
    return True


def wait_until_answering(
    process: subprocess.Popen[bytes], urls: SandboxUrls, timeout: float = START_SECONDS
) -> None:
    """Return once every URL answers; SandboxStartError if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    waiting = list(urls)
    while waiting:
        if process.poll() is not None:
            raise SandboxStartError(
                f"the sandboxes exited with status {process.returncode} (see the message above)"
            )
        if time.monotonic() > deadline:
            raise SandboxStartError(f"no answer from {', '.join(waiting)} in {timeout:.0f} s")
        waiting = [url for url in waiting if not answers(url)]
        if waiting:
            time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], timeout: float = STOP_SECONDS) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_sandboxes(wix_port: int, allegro_port: int) -> Iterator[SandboxUrls]:
    """Start both sandboxes, wait until they answer, yield their URLs; stop them on exit."""
    urls = SandboxUrls(f"http://{HOST}:{wix_port}", f"http://{HOST}:{allegro_port}")
    for url in urls:
        if answers(url):
            raise SandboxStartError(
                f"something already answers on {url}: stop it, or choose other ports with "
                "WIX_SANDBOX_PORT / ALLEGRO_SANDBOX_PORT"
            )
    command = sandbox_command(
        wix_port, allegro_port, "--log-level", "warning", "--no-banner", "--exit-with-parent"
    )
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, start_new_session=True)
    try:
        wait_until_answering(process, urls)
        yield urls
    finally:
        stop_process(process)
