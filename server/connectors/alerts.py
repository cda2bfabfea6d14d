"""Alerts about an account's marketplace connection, for every caller of the connectors.

`alert_marketplace_error` raises one when a marketplace call gave up because the account's login
was refused (401/403, or an Allegro account that must be connected again) or because the
marketplace kept answering 429 (a rate-limit block). The key is per account and kind, so the
alert cooldown turns a storm of failing batches and imports into one message with a repeat count.
Other errors raise nothing here (a run's failures are summarised when it closes).
"""

from __future__ import annotations

from server.domain.accounts import AccountRecord
from server.domain.alerts import Alert, raise_alert
from server.marketplaces.allegro.errors import AllegroReconnectRequired
from server.marketplaces.errors import MarketplaceError, RateLimitedError

AUTH_STATUSES = frozenset({401, 403})


def _auth_failed(error: BaseException) -> bool:
    if isinstance(error, AllegroReconnectRequired):
        return True
    return isinstance(error, MarketplaceError) and error.status in AUTH_STATUSES


async def alert_marketplace_error(
    account: AccountRecord, error: BaseException, *, run_id: int | None = None
) -> None:
    """Raise an auth or rate-limit alert for an error that gave up; other errors raise none."""
    if _auth_failed(error):
        kind, what = "auth_failed", "the marketplace refused the account's credentials"
    elif isinstance(error, RateLimitedError):
        kind, what = "rate_limited", "the marketplace kept answering 429 (rate limit block)"
    else:
        return
    await raise_alert(
        Alert(
            kind=kind,
            key=f"{kind}:{account.id}",
            message=f"{account.name} ({account.marketplace}): {what}: {error}",
            account_id=account.id,
            run_id=run_id,
        )
    )
