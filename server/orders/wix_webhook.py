"""Wix order webhooks: verify the JWT body with the app's public key, find the order id in it.

Delivery [contract 5.4; Wix "Webhook structure" guide]: the POST body is a JWT signed RS256 by
the Wix app. Its payload is `{"data": <envelope>}`; the envelope (`eventType`, `instanceId`,
`data`, `identity`) carries the event as a JSON *string* in `data`: `{id, entityFqdn, slug,
entityId, eventTime, createdEvent | updatedEvent | actionEvent}`. `entityId` is the order id for
`wix.ecom.v1.order` events [DOC]. Community handlers also read the order from
`actionEvent.body.order`, `createdEvent.entity` or `createdEvent.entityAsJson`; each is parsed
when present, because which one REST deliveries carry is not confirmed [contract 9.11]. Both the
envelope and the event are accepted as a JSON string or an object.

Nothing but the order id is taken from a webhook: the import reads the order from Wix again, so
a forged, replayed, late or reordered event can only ever lead to the order's current truth.
Event ids make repeated deliveries (Wix retries for hours) one job.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import msgspec

from server.domain.public_keys import load_rsa_public_key
from server.errors import AuthenticationError, DomainError, PermissionDeniedError
from server.marketplaces.wix.orders import ORDER_ID

ORDER_FQDN = "wix.ecom.v1.order"
CLOCK_LEEWAY_S = 300
"""Skew allowed on `exp`/`iat`/`nbf`, when Wix sets them (it is not documented that it does)."""
KEY_FIELD = "credentials.webhook_public_key"


class WebhookDisabledError(PermissionDeniedError):
    """The account has no webhook public key: its webhooks are refused (the poll imports)."""

    code = "webhook_disabled"


class WebhookSignatureError(AuthenticationError):
    """The JWT's signature, algorithm or time claims do not hold."""

    code = "bad_signature"


class MalformedWebhookError(DomainError):
    """The body is not a JWT, or a signed one without a usable envelope."""

    code = "malformed_webhook"


class WixWebhookEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A verified event: its id, type and the order it is about (None: not an order event)."""

    event_id: str
    event_type: str
    order_id: str | None


def verify_jwt(body: bytes, public_key_pem: str | None) -> dict[str, Any]:
    """The verified JWT payload; refuses without a key (403), bad signature (401), junk (400)."""
    if not public_key_pem:
        raise WebhookDisabledError(
            "webhooks are disabled for this account: set its webhook public key", field=KEY_FIELD
        )
    try:
        token = body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise MalformedWebhookError("the body is not a JWT") from None
    if token.count(".") != 2:
        raise MalformedWebhookError("the body is not a JWT")
    key = load_rsa_public_key(public_key_pem, field=KEY_FIELD)
    try:
        payload = jwt.decode(
            token, key, algorithms=["RS256"], leeway=CLOCK_LEEWAY_S, options={"verify_aud": False}
        )
    except jwt.InvalidSignatureError:
        raise WebhookSignatureError("the webhook signature does not verify") from None
    except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
        raise WebhookSignatureError("the webhook token is expired or not yet valid") from None
    except jwt.InvalidAlgorithmError:
        raise WebhookSignatureError("the webhook token is not signed RS256") from None
    except jwt.DecodeError:
        raise MalformedWebhookError("the body is not a readable JWT") from None
    except jwt.InvalidTokenError:
        raise WebhookSignatureError("the webhook token's claims do not hold") from None
    return dict(payload)


def _object(value: Any, where: str) -> dict[str, Any]:
    """A JSON object given as an object or as its JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise MalformedWebhookError(f"{where} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedWebhookError(f"{where} is not a JSON object")
    return value


def _dig(value: Any, *keys: str) -> Any:
    """`value[k1][k2]…`, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _order_id_in(event: dict[str, Any]) -> str | None:
    """The order id: `entityId`, else the order inside the event's body."""
    candidates = [
        event.get("entityId"),
        _dig(event, "actionEvent", "body", "order", "id"),
        _dig(event, "createdEvent", "entity", "id"),
        _dig(event, "updatedEvent", "currentEntity", "id"),
    ]
    as_json = _dig(event, "createdEvent", "entityAsJson")
    if isinstance(as_json, str):
        candidates.append(_object(as_json, "entityAsJson").get("id"))
    return next((c for c in candidates if isinstance(c, str) and c), None)


def parse_event(payload: dict[str, Any]) -> WixWebhookEvent:
    """The event of a verified payload; `order_id` None for events about something else."""
    envelope = _object(payload.get("data"), "data")
    event = _object(envelope.get("data"), "data.data")
    event_type = str(envelope.get("eventType") or "")
    event_id = str(event.get("id") or "")
    fqdn = event.get("entityFqdn")
    if fqdn is not None and fqdn != ORDER_FQDN:
        return WixWebhookEvent(event_id=event_id, event_type=event_type, order_id=None)
    order_id = _order_id_in(event)
    if order_id is None:
        raise MalformedWebhookError("the event names no order")
    if not ORDER_ID.fullmatch(order_id):
        raise MalformedWebhookError("the event's order id is not a Wix id")
    return WixWebhookEvent(event_id=event_id, event_type=event_type, order_id=order_id)


def verify_webhook(body: bytes, public_key_pem: str | None) -> WixWebhookEvent:
    """Verify a delivery and read its event (see the module docstring)."""
    return parse_event(verify_jwt(body, public_key_pem))
