"""`make sandbox`: both marketplace sandboxes in one process, seeded with the demo catalogue.

    python -m server.sandboxes [--host 127.0.0.1] [--wix-port 8101] [--allegro-port 8102]
        [--allegro-patch-async-share 1.0]

Two uvicorn servers share one asyncio loop: the Wix sandbox and the Allegro sandbox (its auth host
and REST API on one address). Both ports are bound before either serves, so a taken port stops
start-up with a clear message. SIGINT or SIGTERM stops both; with `--exit-with-parent` they also
stop when the process that started them goes away (`make demo` uses this). The demo credentials
are printed at start and listed in the README; `server.sandboxes.demo` describes the catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Iterator, Sequence

import uvicorn
from litestar import Litestar

from server.sandboxes.demo import (
    ALLEGRO_PORT,
    WIX_PORT,
    allegro_demo_app,
    credentials_lines,
    wix_demo_app,
)

PARENT_POLL_SECONDS = 0.5


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the runner (two servers share a loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Do nothing: `serve_all` installs one handler that stops both servers."""
        yield


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m server.sandboxes", description="Run the Wix and Allegro sandboxes."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--wix-port", type=int, default=WIX_PORT)
    parser.add_argument("--allegro-port", type=int, default=ALLEGRO_PORT)
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the parent process ends"
    )
    parser.add_argument(
        "--no-banner", action="store_true", help="do not print the demo credentials"
    )
    parser.add_argument(
        "--allegro-patch-async-share",
        type=float,
        default=None,
        help="share of offer PATCHes Allegro answers 202 + Location (default 1.0; the rest 200)",
    )
    return parser.parse_args(argv)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (SystemExit with a clear message if taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(f"sandboxes: cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(128)
    return sock


def _server(app: Litestar, log_level: str) -> _Server:
    config = uvicorn.Config(app, log_level=log_level, access_log=log_level in ("debug", "info"))
    return _Server(config)


async def _watch_parent(stop: asyncio.Event) -> None:
    parent = os.getppid()
    while not stop.is_set():
        if os.getppid() != parent:
            stop.set()
        await asyncio.sleep(PARENT_POLL_SECONDS)


async def serve_all(bound: list[tuple[_Server, socket.socket]], exit_with_parent: bool) -> None:
    """Serve every (server, socket) pair until a signal, the parent's end, or a server stops."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in bound]
    watchers: list[asyncio.Task[object]] = [asyncio.create_task(stop.wait())]
    if exit_with_parent:
        watchers.append(asyncio.create_task(_watch_parent(stop)))
    await asyncio.wait([*tasks, *watchers], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for server, _ in bound:
        server.should_exit = True
    await asyncio.gather(*tasks, *watchers, return_exceptions=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Bind both ports, print the demo credentials, serve until stopped."""
    args = _arguments(argv)
    wix_sock = bind(args.host, args.wix_port)
    allegro_sock = bind(args.host, args.allegro_port)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    wix_url, allegro_url = f"http://{shown}:{args.wix_port}", f"http://{shown}:{args.allegro_port}"
    if not args.no_banner:
        sys.stdout.write("".join(f"{line}\n" for line in credentials_lines(wix_url, allegro_url)))
        sys.stdout.flush()
    bound = [
        (_server(wix_demo_app(), args.log_level), wix_sock),
        (_server(allegro_demo_app(args.allegro_patch_async_share), args.log_level), allegro_sock),
    ]
    try:
        asyncio.run(serve_all(bound, args.exit_with_parent))
    finally:
        wix_sock.close()
        allegro_sock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
