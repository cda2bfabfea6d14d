"""Order import's domain: apply an order snapshot exactly once, conflicts, failures, cursors."""

from server.domain.orders.apply import ORDER_ACTOR, apply_order
from server.domain.orders.cursor import (
    OrderCursorState,
    load_cursor,
    save_event_id,
    save_watermark,
    start_cursor,
)
from server.domain.orders.failures import (
    MAX_ORDER_FAILURES,
    is_quarantined,
    mark_merged,
    record_order_failure,
)
from server.domain.orders.models import ApplyResult, OrderLineIn, OrderPhase, OrderSnapshot

__all__ = [
    "MAX_ORDER_FAILURES",
    "ORDER_ACTOR",
    "ApplyResult",
    "OrderCursorState",
    "OrderLineIn",
    "OrderPhase",
    "OrderSnapshot",
    "apply_order",
    "is_quarantined",
    "load_cursor",
    "mark_merged",
    "record_order_failure",
    "save_event_id",
    "save_watermark",
    "start_cursor",
]
