"""Alerts: things a person must look at (an order line matching nothing, a quarantined order,
a sync that gave up). The domain raises them; delivery is someone else's job.

Listeners are registered by the process that delivers them (the Telegram alerter of issue 7
registers one); every alert is also logged at WARNING, so none is lost when no listener is
registered. A failing listener is logged and never breaks the code that raised the alert.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import msgspec

logger = logging.getLogger(__name__)


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """One alert; `key` names what it is about, so a deliverer can drop repeats.

    `sku`, `run_id` and `action` (what a person should do) are optional details a deliverer
    shows next to the message.
    """

    kind: str
    key: str
    message: str
    account_id: int | None = None
    sku: str | None = None
    run_id: int | None = None
    action: str = ""


AlertListener = Callable[[Alert], Awaitable[None]]
_listeners: list[AlertListener] = []


def add_alert_listener(listener: AlertListener) -> None:
    """Register a listener (once)."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_alert_listener(listener: AlertListener) -> None:
    """Unregister a listener; unknown listeners are ignored."""
    if listener in _listeners:
        _listeners.remove(listener)


async def raise_alert(alert: Alert) -> None:
    """Log the alert and hand it to every listener."""
    logger.warning("alert %s [%s]: %s", alert.kind, alert.key, alert.message)
    for listener in list(_listeners):
        try:
            await listener(alert)
        except Exception:
            logger.exception("alert listener failed for %s", alert.key)
