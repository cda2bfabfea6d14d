"""An httpx transport that runs a sandbox app in-process yet fails like a socket would."""

from __future__ import annotations

import asyncio

import httpx
from litestar.types import ASGIApp

from server.sandboxes.common.control import DroppedConnection


class SandboxTransport(httpx.AsyncBaseTransport):
    """Runs a sandbox app in-process, behaving like a server over TCP towards the httpx client.

    `httpx.ASGITransport` ignores timeouts and re-raises app exceptions; this wrapper enforces the
    request's read timeout (raising `httpx.ReadTimeout`) and turns a dropped connection into
    `httpx.RemoteProtocolError`, so the client's retry logic sees what it would see in production.
    """

    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        """Wrap `app` (any ASGI app)."""
        self._inner = httpx.ASGITransport(app=app, client=client)  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward the request, applying the timeout and socket-like failures."""
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            async with asyncio.timeout(timeout):
                return await self._inner.handle_async_request(request)
        except TimeoutError:
            raise httpx.ReadTimeout("sandbox did not answer in time", request=request) from None
        except Exception as error:
            if _dropped(error):
                raise httpx.RemoteProtocolError("peer closed connection", request=request) from None
            raise

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()


def _dropped(error: BaseException | None) -> bool:
    """Whether `error` is, or was caused by, a `DroppedConnection` (Litestar wraps it)."""
    while error is not None:
        if isinstance(error, DroppedConnection):
            return True
        error = error.__cause__
    return False
