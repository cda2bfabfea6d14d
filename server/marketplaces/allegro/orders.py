"""Reading orders: the event journal and checkout forms (contract §7); importing is elsewhere.

The journal is read from a stored event id (`from` is exclusive) and is ascending; without `from`
it starts at the oldest retained event (60 days). `latest_event_id()` gives a starting point "now".
Checkout forms are paged by `limit` ≤ 100 and `offset`, filtered by `updatedAt.gte/.lte` and
sorted by `sort` (E3: `lineItems.boughtAt`, `updatedAt`, `-` for descending; Allegro's default is
`-lineItems.boughtAt`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from server.marketplaces.allegro.base import AllegroBase
from server.marketplaces.allegro.order_models import (
    CheckoutForm,
    CheckoutForms,
    LatestEvent,
    OrderEvent,
    OrderEventRef,
    checkout_form_decoder,
    checkout_forms_decoder,
    event_refs_decoder,
    event_stats_decoder,
    events_decoder,
)

MAX_EVENTS = 1000
MAX_FORMS = 100
FORM_SORTS = frozenset({"lineItems.boughtAt", "-lineItems.boughtAt", "updatedAt", "-updatedAt"})


def allegro_time(moment: dt.datetime) -> str:
    """Allegro's timestamp form: ISO-8601 UTC with milliseconds and `Z` (contract §2)."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _event_params(
    after: str | None, types: Sequence[str] | None, limit: int
) -> dict[str, str | int | list[str]]:
    if not 1 <= limit <= MAX_EVENTS:
        raise ValueError(f"limit must be between 1 and {MAX_EVENTS}")
    params: dict[str, str | int | list[str]] = {"limit": limit}
    if after is not None:
        params["from"] = after
    if types:
        params["type"] = list(types)
    return params


class AllegroOrders(AllegroBase):
    """Order events and checkout forms."""

    async def order_events(
        self,
        *,
        after: str | None = None,
        types: Sequence[str] | None = None,
        limit: int = MAX_EVENTS,
    ) -> list[OrderEvent]:
        """Events after event id `after` (exclusive), oldest first, at most `limit` (≤ 1000)."""
        params = _event_params(after, types, limit)
        response = await self.call("GET", "/order/events", params=params)
        return events_decoder.decode(response.content).events

    async def order_event_refs(
        self,
        *,
        after: str | None = None,
        types: Sequence[str] | None = None,
        limit: int = MAX_EVENTS,
    ) -> list[OrderEventRef]:
        """As `order_events`, each event reduced to its id, type, time and checkout form id."""
        params = _event_params(after, types, limit)
        response = await self.call("GET", "/order/events", params=params)
        return event_refs_decoder.decode(response.content).events

    async def latest_event(self) -> LatestEvent | None:
        """The newest event (id and time), or None when the journal is empty."""
        response = await self.call("GET", "/order/event-stats")
        return event_stats_decoder.decode(response.content).latest_event

    async def latest_event_id(self) -> str | None:
        """The newest event's id (a cursor that starts from "now"), or None if there is none."""
        latest = await self.latest_event()
        return None if latest is None else latest.id

    async def checkout_form(self, form_id: str) -> CheckoutForm:
        """One order by its checkout-form id."""
        response = await self.call("GET", f"/order/checkout-forms/{form_id}")
        return checkout_form_decoder.decode(response.content)

    async def checkout_forms(
        self,
        *,
        status: str | None = None,
        fulfillment_status: str | None = None,
        updated_at_gte: dt.datetime | None = None,
        updated_at_lte: dt.datetime | None = None,
        sort: str | None = None,
        offset: int = 0,
        limit: int = MAX_FORMS,
    ) -> CheckoutForms:
        """One page of orders (without `sort`: newest purchase first)."""
        if not 1 <= limit <= MAX_FORMS:
            raise ValueError(f"limit must be between 1 and {MAX_FORMS}")
        if sort is not None and sort not in FORM_SORTS:
            raise ValueError(f"sort must be one of {sorted(FORM_SORTS)}")
        params: dict[str, str | int] = {"offset": offset, "limit": limit}
        optional = {
            "status": status,
            "fulfillment.status": fulfillment_status,
            "updatedAt.gte": None if updated_at_gte is None else allegro_time(updated_at_gte),
            "updatedAt.lte": None if updated_at_lte is None else allegro_time(updated_at_lte),
            "sort": sort,
        }
        params.update({name: value for name, value in optional.items() if value is not None})
        response = await self.call("GET", "/order/checkout-forms", params=params)
        return checkout_forms_decoder.decode(response.content)
