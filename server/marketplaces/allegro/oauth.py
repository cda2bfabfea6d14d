"""Allegro OAuth on the auth host: the device flow and the refresh-token grant (contract §4).

Every call authenticates the application with `Authorization: Basic base64(client_id:secret)` and
sends its parameters as a form. `AllegroOAuth` is stateless; `session.AllegroSession` decides when
to refresh and persists the result.

Device flow, as the dashboard drives it: `start_device_flow()` returns the user code and the link
to show; then either `poll_device_flow()` once per page refresh, or `wait_for_device_flow()` in a
background job, which polls every `interval` seconds and adds 5 s after each `slow_down`.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from server.marketplaces.allegro.errors import AllegroApiError, AllegroDeviceFlowError
from server.marketplaces.allegro.models import (
    DeviceAuthorization,
    Tokens,
    device_decoder,
    token_decoder,
)
from server.marketplaces.http import MarketplaceHttp

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP_S = 5
Now = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


def utc_now() -> dt.datetime:
    """The current time, aware, UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class DevicePoll:
    """One poll's outcome: still `pending`, told to `slow_down`, or `approved` with tokens."""

    status: Literal["pending", "slow_down", "approved"]
    tokens: Tokens | None = None


class AllegroOAuth:
    """Calls to `/auth/oauth/device` and `/auth/oauth/token` for one application (Client ID).

    Args:
        http: A `MarketplaceHttp` whose base URL is the auth host (`ALLEGRO_AUTH_URL`).
        client_id: The application's Client ID.
        client_secret: Its secret (sent only in the Basic header, never logged).
        now: The clock used to turn `expires_in` into `Tokens.expires_at`.
    """

    def __init__(
        self, http: MarketplaceHttp, client_id: str, client_secret: str, *, now: Now = utc_now
    ) -> None:
        """Keep the credentials; nothing is sent yet."""
        self.http = http
        self.client_id = client_id
        credentials = f"{client_id}:{client_secret}".encode()
        self._basic = "Basic " + base64.b64encode(credentials).decode()
        self._now = now

    async def _post(self, path: str, form: dict[str, str]) -> bytes:
        # Repeating these POSTs is safe: a new device code, a poll, or a refresh that Allegro
        # still accepts within its 60 s reuse window if the first answer was lost.
        response = await self.http.request(
            "POST",
            path,
            data=form,
            headers={"Authorization": self._basic, "Accept": "application/json"},
            idempotent=True,
        )
        return response.content

    async def start_device_flow(self, scope: str | None = None) -> DeviceAuthorization:
        """Ask for a device code; show `user_code` and `verification_uri_complete` to the seller."""
        form = {"client_id": self.client_id}
        if scope:
            form["scope"] = scope
        return device_decoder.decode(await self._post("/auth/oauth/device", form))

    def _tokens(self, content: bytes) -> Tokens:
        body = token_decoder.decode(content)
        return Tokens(
            access_token=body.access_token,
            refresh_token=body.refresh_token,
            expires_at=self._now() + dt.timedelta(seconds=body.expires_in),
            scope=body.scope,
        )

    async def poll_device_flow(self, device_code: str) -> DevicePoll:
        """Poll the token endpoint once.

        Raises:
            AllegroDeviceFlowError: The seller refused, the code expired or is unknown/used.
            AllegroApiError: Anything else (e.g. 401: the Client ID or secret is wrong).
        """
        form = {"grant_type": DEVICE_GRANT, "device_code": device_code}
        try:
            return DevicePoll("approved", self._tokens(await self._post("/auth/oauth/token", form)))
        except AllegroApiError as error:
            if error.status != 400:
                raise
            if error.oauth_error == "authorization_pending":
                return DevicePoll("pending")
            if error.oauth_error == "slow_down":
                return DevicePoll("slow_down")
            raise _device_failure(error) from error

    async def wait_for_device_flow(
        self, authorization: DeviceAuthorization, *, sleep: Sleep = asyncio.sleep
    ) -> Tokens:
        """Poll every `interval` s (5 s more after each `slow_down`) until tokens or a failure.

        Raises:
            AllegroDeviceFlowError: Refused, expired (also when `expires_in` passes), or unknown.
        """
        interval = max(authorization.interval, 0)
        waited = 0.0
        while waited < authorization.expires_in:
            await sleep(interval)
            waited += max(interval, 1)  # each poll counts as at least a second of the lifetime
            poll = await self.poll_device_flow(authorization.device_code)
            if poll.tokens is not None:
                return poll.tokens
            if poll.status == "slow_down":
                interval += SLOW_DOWN_STEP_S
        raise AllegroDeviceFlowError("The device code expired before the seller confirmed it.")

    async def refresh(self, refresh_token: str) -> Tokens:
        """Exchange a refresh token for a new pair; the old refresh token is spent (rotation)."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._tokens(await self._post("/auth/oauth/token", form))


def _device_failure(error: AllegroApiError) -> AllegroDeviceFlowError:
    reasons = {
        "access_denied": "The seller refused to connect the application.",
        "Invalid device code": "The device code is unknown or already used; start again.",
    }
    message = reasons.get(
        error.oauth_error or "", "The device code expired or was refused; start again."
    )
    return AllegroDeviceFlowError(
        message,
        oauth_error=error.oauth_error,
        status=error.status,
        code=error.code,
        request_id=error.request_id,
        method=error.method,
        url=error.url,
    )


def refresh_refused(error: AllegroApiError) -> bool:
    """Whether the token endpoint refused a refresh token for good (400 invalid_grant or 401)."""
    return error.status == 401 or (error.status == 400 and error.oauth_error == "invalid_grant")
