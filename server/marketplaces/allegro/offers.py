"""Reading offers and editing one offer (contract §5).

`GET /sale/offers` is paged by `limit` (≤ 1000) and `offset`; `external.id` is repeated (≤ 100 per
request), `offer.id` is sent comma-separated (a repeated `offer.id` returned every offer [#11856])
and the answer is filtered again on our side. The product-offer PATCH answers 200 (done) or 202
with a `Location` to poll; the operation answers 202 while running and 303 when done (followed by
hand: httpx does not follow redirects here, and some clients lose `Authorization` when they do).
A 409 means the previous edit of that offer is still processing: wait and send again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence

import httpx

from server.marketplaces.allegro.base import AllegroBase
from server.marketplaces.allegro.errors import AllegroApiError, AllegroTimeoutError
from server.marketplaces.allegro.models import (
    Me,
    Offer,
    OffersPage,
    OfferStatus,
    ProductOffer,
    me_decoder,
    offers_page_decoder,
    operation_decoder,
    product_offer_decoder,
)
from server.marketplaces.retry import parse_retry_after

MAX_PAGE = 1000
MAX_EXTERNAL_IDS = 100
OFFER_IDS_PER_REQUEST = 100


def _chunks(values: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


class AllegroOffers(AllegroBase):
    """Offer reads and single-offer edits."""

    async def me(self) -> Me:
        """The seller the token belongs to (binds a stored account to a seller id)."""
        return me_decoder.decode((await self.call("GET", "/me")).content)

    async def search_offers(
        self,
        *,
        offer_ids: Sequence[str] | None = None,
        external_ids: Sequence[str] | None = None,
        statuses: Sequence[OfferStatus] | None = None,
        limit: int = MAX_PAGE,
        offset: int = 0,
    ) -> OffersPage:
        """One page of `GET /sale/offers`."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        if external_ids is not None and (
            len(external_ids) > MAX_EXTERNAL_IDS or any(len(e) > 100 for e in external_ids)
        ):
            raise ValueError("at most 100 external ids of at most 100 characters each")
        params: dict[str, str | list[str] | int] = {"limit": limit, "offset": offset}
        if offer_ids:
            params["offer.id"] = ",".join(offer_ids)
        if external_ids:
            params["external.id"] = list(external_ids)
        if statuses:
            params["publication.status"] = list(statuses)
        response = await self.call("GET", "/sale/offers", params=params, refresh_on_403=True)
        return offers_page_decoder.decode(response.content)

    async def iter_offers(
        self,
        *,
        offer_ids: Sequence[str] | None = None,
        external_ids: Sequence[str] | None = None,
        statuses: Sequence[OfferStatus] | None = None,
        page_size: int = MAX_PAGE,
    ) -> AsyncIterator[Offer]:
        """Every matching offer, page by page to the last page (ids are sent in chunks)."""
        if external_ids is not None and offer_ids is None:
            for chunk in _chunks(external_ids, MAX_EXTERNAL_IDS):
                async for offer in self._pages(None, chunk, statuses, page_size):
                    yield offer
        elif offer_ids is not None:
            for chunk in _chunks(offer_ids, OFFER_IDS_PER_REQUEST):
                wanted = set(chunk)
                async for offer in self._pages(chunk, external_ids, statuses, page_size):
                    if offer.id in wanted:
                        yield offer
        else:
            async for offer in self._pages(None, None, statuses, page_size):
                yield offer

    async def _pages(
        self,
        offer_ids: Sequence[str] | None,
        external_ids: Sequence[str] | None,
        statuses: Sequence[OfferStatus] | None,
        page_size: int,
    ) -> AsyncIterator[Offer]:
        offset = 0
        while True:
            page = await self.search_offers(
                offer_ids=offer_ids,
                external_ids=external_ids,
                statuses=statuses,
                limit=page_size,
                offset=offset,
            )
            for offer in page.offers:
                yield offer
            offset += len(page.offers)
            if not page.offers or offset >= page.total_count:
                return

    async def all_offers(
        self,
        *,
        offer_ids: Sequence[str] | None = None,
        external_ids: Sequence[str] | None = None,
        statuses: Sequence[OfferStatus] | None = None,
    ) -> list[Offer]:
        """`iter_offers(...)` collected into a list."""
        found = self.iter_offers(offer_ids=offer_ids, external_ids=external_ids, statuses=statuses)
        return [offer async for offer in found]

    async def get_offer(self, offer_id: str) -> ProductOffer:
        """One offer in full (`GET /sale/product-offers/{offerId}`, 3500/min per seller)."""
        limits = self.limit(self.limiters.offer_get)
        response = await self.call("GET", f"/sale/product-offers/{offer_id}", limits=limits)
        return product_offer_decoder.decode(response.content)

    async def set_stock(
        self, offer_id: str, available: int, *, activate: bool = False
    ) -> ProductOffer:
        """Set `stock.available` (0 ends an active offer); `activate` also publishes it again."""
        if available < 0:
            raise ValueError("available must not be negative")
        if activate and available == 0:
            raise ValueError("an offer can be activated only with stock greater than 0")
        body: dict[str, object] = {"stock": {"available": available}}
        if activate:
            body["publication"] = {"status": "ACTIVE"}
        return await self.patch_offer(offer_id, body)

    async def patch_offer(self, offer_id: str, body: dict[str, object]) -> ProductOffer:
        """PATCH an offer and return it once the edit is done (202: poll; 409: wait, resend)."""
        path = f"/sale/product-offers/{offer_id}"
        polling, attempt = self.polling, 1
        while True:
            try:
                # An absolute edit may be sent twice: the result is the same.
                response = await self.call(
                    "PATCH",
                    path,
                    body=body,
                    idempotent=True,
                    limits=self.limit(self.limiters.offer_patch),
                )
            except AllegroApiError as error:
                if error.status != 409 or attempt >= polling.conflict_attempts:
                    raise
                await polling.sleep(polling.conflict_delay_s * 2 ** (attempt - 1))
                attempt += 1
                continue
            if response.status_code == 202:
                await self._wait_for_operation(offer_id, response)
                return await self.get_offer(offer_id)
            return product_offer_decoder.decode(response.content)

    async def _wait_for_operation(self, offer_id: str, accepted: httpx.Response) -> None:
        """Poll the operation from `Location` until it answers 303 (done)."""
        location = accepted.headers.get("location")
        if not location:
            raise AllegroApiError("Allegro accepted the edit but sent no Location to poll.")
        path = httpx.URL(location).path  # the host is Allegro's; keep ours (tests, sandbox)
        delay = self._retry_after(accepted)
        waited = 0.0
        while waited <= self.polling.operation_timeout_s:
            await self.polling.sleep(delay)
            waited += delay or self.polling.operation_interval_s
            try:
                response = await self.call("GET", path)
            except AllegroApiError as error:
                if error.status == 303:
                    return
                raise
            operation_decoder.decode(response.content)
            delay = self._retry_after(response)
        raise AllegroTimeoutError(
            f"Offer {offer_id}: the edit was still processing after "
            f"{self.polling.operation_timeout_s:.0f} s."
        )

    def _retry_after(self, response: httpx.Response) -> float:
        announced = parse_retry_after(response.headers.get("retry-after"))
        return self.polling.operation_interval_s if announced is None else announced
