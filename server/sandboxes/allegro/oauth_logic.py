"""Allegro OAuth in the sandbox: client authentication, device flow and rotating refresh tokens.

Contract §4: the token endpoint takes `Authorization: Basic base64(client_id:secret)` and its
parameters in the form body or the query string. Access tokens live 12 h; every refresh returns a
new pair and invalidates the previous one (the old refresh token then answers 400 `invalid_grant`,
after an optional grace; an expired one answers 401 `Unauthorized` [#10958]).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
import string
import uuid
from typing import Any

from server.sandboxes.allegro.errors import auth_error
from server.sandboxes.allegro.models import AccessToken, DeviceCode, RefreshToken
from server.sandboxes.allegro.store import AllegroStore

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPE = (
    "allegro:api:profile:read allegro:api:sale:offers:read "
    "allegro:api:sale:offers:write allegro:api:orders:read"
)
VERIFICATION_PATH = "/skojarz-aplikacje"
_USER_CODE_ALPHABET = string.ascii_lowercase + string.digits


def authenticate_client(store: AllegroStore, authorization: str | None) -> str:
    """The Client ID from valid Basic credentials; 401 otherwise (body shape inferred)."""
    scheme, _, encoded = (authorization or "").partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    client_id, _, secret = decoded.partition(":")
    expected = store.config.clients.get(client_id)
    if (
        scheme.lower() != "basic"
        or expected is None
        or not secrets.compare_digest(expected, secret)
    ):
        raise auth_error(401, "unauthorized", "Bad credentials")
    return client_id


def start_device_flow(
    store: AllegroStore, client_id: str, scope: str | None, base_url: str
) -> dict[str, Any]:
    """Register a device code and return Allegro's device-authorisation body."""
    config = store.config
    record = DeviceCode(
        device_code=secrets.token_urlsafe(24),
        user_code="".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9)),
        client_id=client_id,
        scope=scope or DEFAULT_SCOPE,
        expires_at=store.now() + dt.timedelta(seconds=config.device_code_ttl_s),
        interval_s=config.device_interval_s,
    )
    store.device_codes[record.device_code] = record
    uri = base_url.rstrip("/") + VERIFICATION_PATH
    numbers: dict[str, Any] = {
        "expires_in": config.device_code_ttl_s,
        "interval": record.interval_s,
    }
    if config.device_numbers_as_strings:
        numbers = {name: str(value) for name, value in numbers.items()}
    return {
        "device_code": record.device_code,
        "user_code": record.user_code,
        "verification_uri": uri,
        "verification_uri_complete": f"{uri}?code={record.user_code}",
        **numbers,
    }


def issue_pair(store: AllegroStore, seller_id: str, client_id: str, scope: str) -> dict[str, Any]:
    """Create an access/refresh pair and return the token response [docs, #10958]."""
    config = store.config
    now = store.now()
    access, refresh = f"eyJ{secrets.token_urlsafe(48)}", f"eyJ{secrets.token_urlsafe(48)}"
    store.access_tokens[access] = AccessToken(
        seller_id=seller_id,
        client_id=client_id,
        scope=scope,
        expires_at=now + dt.timedelta(seconds=config.access_token_ttl_s),
    )
    store.refresh_tokens[refresh] = RefreshToken(
        seller_id=seller_id,
        client_id=client_id,
        scope=scope,
        expires_at=now + dt.timedelta(seconds=config.refresh_token_ttl_s),
        access_token=access,
    )
    return {
        "access_token": access,
        "token_type": "bearer",
        "refresh_token": refresh,
        "expires_in": config.access_token_ttl_s,
        "scope": scope,
        "allegro_api": True,
        "iss": "https://allegro.pl.allegrosandbox.pl/",
        "jti": str(uuid.uuid4()),
    }


def poll_device_code(store: AllegroStore, client_id: str, device_code: str) -> dict[str, Any]:
    """One poll of the token endpoint with the device grant [docs §4.1]."""
    record = store.device_codes.get(device_code)
    if record is None or record.client_id != client_id:
        raise auth_error(400, "Invalid device code")
    now = store.now()
    if record.expires_at <= now:
        del store.device_codes[device_code]
        # The expiry error string is undocumented ("any other 400"); RFC 8628's name [inferred].
        raise auth_error(400, "expired_token", "Device code expired")
    too_soon = record.last_poll is not None and (now - record.last_poll).total_seconds() < (
        record.interval_s
    )
    record.last_poll = now
    if too_soon and store.config.enforce_slow_down and record.decision == "pending":
        # RFC 8628 §3.5: after slow_down the interval grows by 5 s; the sandbox expects it too.
        record.interval_s += 5
        raise auth_error(400, "slow_down")
    if record.decision == "pending":
        raise auth_error(400, "authorization_pending")
    del store.device_codes[device_code]
    if record.decision == "denied" or record.seller_id is None:
        raise auth_error(400, "access_denied")
    return issue_pair(store, record.seller_id, client_id, record.scope)


def refresh(store: AllegroStore, client_id: str, refresh_token: str) -> dict[str, Any]:
    """Rotate a refresh token: a new pair, the old pair revoked, the old refresh token spent."""
    record = store.refresh_tokens.get(refresh_token)
    now = store.now()
    if record is None or record.client_id != client_id:
        raise auth_error(400, "invalid_grant", f"Invalid refresh token: {refresh_token}")
    if record.expires_at <= now:
        raise auth_error(401, "Unauthorized", "Unauthorized")
    if record.used_at is not None:
        grace = store.config.refresh_reuse_grace_s
        if grace <= 0 or (now - record.used_at).total_seconds() > grace:
            raise auth_error(400, "invalid_grant", f"Invalid refresh token: {refresh_token}")
    else:
        record.used_at = now
        previous = store.access_tokens.get(record.access_token)
        if previous is not None:
            previous.revoked = True
    return issue_pair(store, record.seller_id, client_id, record.scope)


def decide(store: AllegroStore, user_code: str, seller_id: str | None, approve: bool) -> bool:
    """The seller's answer on the verification page; False if the code is unknown."""
    record = next((d for d in store.device_codes.values() if d.user_code == user_code), None)
    if record is None:
        return False
    record.decision = "approved" if approve else "denied"
    record.seller_id = seller_id
    return True
