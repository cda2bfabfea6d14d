"""`POST /api/webhooks/wix/{account_id}`: Wix order events, verified, queued as an order import.

No login and no CSRF (Wix is the caller; `server.web.auth` skips this prefix): the JWT signature,
checked against the account's configured app public key, is the authentication. Without a key
the endpoint answers 403 naming the field (webhooks off; the poll still imports). A bad signature
or an expired token is 401, a body that is no JWT 400; neither changes anything, and neither the
body nor the key is logged or echoed. A valid event only queues `import_wix_order` with the order
id: the job reads the order from Wix again. Wix wants a 200 within 1250 ms [contract 5.4], so
nothing slow happens here.

Rate-safe: the body is capped at `MAX_BODY_BYTES`, and each account takes at most
`WEBHOOKS_PER_MINUTE` deliveries a minute (a fixed Redis window; more answer 429, which Wix
retries later), counted before any database or crypto work.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar import Request, post
from litestar.params import FromPath
from redis.asyncio import Redis

from server.domain.credentials import WixCredentials, load_credentials
from server.errors import DomainError, NotFoundError
from server.orders.wix_jobs import enqueue_wix_order
from server.orders.wix_webhook import verify_webhook
from server.web.openapi_errors import error_responses

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
WEBHOOKS_PER_MINUTE = 600
RATE_KEY = "stockbridge:webhook:wix:{account_id}:{minute}"


class WebhookRateLimitedError(DomainError):
    """Too many deliveries for one account this minute."""

    status_code = 429
    code = "rate_limited"


async def _count_delivery(redis: Redis, account_id: int) -> None:
    """Count a delivery in the account's minute window; 429 past the limit."""
    key = RATE_KEY.format(account_id=account_id, minute=int(time.time() // 60))
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, 120)
        count, _ = await pipe.execute()
    if int(count) > WEBHOOKS_PER_MINUTE:
        raise WebhookRateLimitedError("too many webhook deliveries this minute; retry later")


async def _public_key(account_id: int) -> str | None:
    """The account's webhook key (404 for an unknown or non-Wix account)."""
    try:
        credentials = await load_credentials(account_id)
    except NotFoundError:
        credentials = None
    if not isinstance(credentials, WixCredentials):
        raise NotFoundError(f"no Wix account with id {account_id}", field="account_id")
    return credentials.webhook_public_key


@post(
    "/api/webhooks/wix/{account_id:int}",
    status_code=200,
    request_max_body_size=MAX_BODY_BYTES,
    tags=["webhooks"],
    operation_id="wixOrderWebhook",
    security=[],
    responses=error_responses(401, 403, 404, 429),
)
async def wix_order_webhook(
    request: Request[Any, Any, Any], account_id: FromPath[int]
) -> dict[str, Any]:
    """Verify a Wix order event and queue the order's import (re-read from Wix)."""
    await _count_delivery(request.app.state.redis, account_id)
    key = await _public_key(account_id)
    body = await request.body()
    event = verify_webhook(body, key)
    if event.order_id is None:
        return {"status": "ignored", "event_type": event.event_type}
    queued = await enqueue_wix_order(
        request.app.state.arq, account_id, event.order_id, event.event_id or event.order_id
    )
    logger.info(
        "Wix webhook %s for account %d: order %s %s",
        event.event_type or "?",
        account_id,
        event.order_id,
        "queued" if queued else "already queued",
    )
    return {"status": "queued" if queued else "duplicate", "order_id": event.order_id}
