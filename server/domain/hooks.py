"""The stock-change hook: every committed stock change reports its SKUs here.

Later parts (the sync engine) register a listener that enqueues marketplace pushes. Listeners run
after the transaction commits, so a worker never sees a job for an uncommitted change, and a failing
listener never undoes a stock change: it is logged and the reconciliation catches the SKU later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

StockChangeListener = Callable[[list[str]], Awaitable[None]]

logger = logging.getLogger(__name__)
_listeners: list[StockChangeListener] = []


def add_stock_change_listener(listener: StockChangeListener) -> None:
    """Register a listener (once); it receives the distinct SKUs of each committed change."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_stock_change_listener(listener: StockChangeListener) -> None:
    """Unregister a listener; unknown listeners are ignored."""
    if listener in _listeners:
        _listeners.remove(listener)


async def on_stock_changed(skus: Iterable[str]) -> None:
    """Tell every listener which SKUs changed; a listener's failure is logged, never raised."""
    distinct = sorted(set(skus))
    if not distinct:
        return
    for listener in list(_listeners):
        try:
            await listener(distinct)
        except Exception:
            logger.exception("stock-change listener failed for %d SKU(s)", len(distinct))
