"""Allegro client over HTTP to the sandbox: quantity and publication commands, `push_stock`."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from server.marketplaces.allegro import AllegroTimeoutError, Polling, StockTarget
from server.sandboxes.allegro import AllegroSandboxConfig, generate_seed
from tests.marketplaces.test_allegro_harness import (
    OTHER_SELLER,
    VENDOR,
    allegro_env,
    clean_database,  # noqa: F401
)

PUT_QUANTITY = "PUT /sale/offer-quantity-change-commands/{command_id}"
PUT_PUBLICATION = "PUT /sale/offer-publication-commands/{command_id}"


async def test_change_quantity_splits_into_commands_of_1000_and_reads_every_task() -> None:
    async with allegro_env(seed=generate_seed(2, 1500)) as env:
        offers = [o for o in env.offers_of()]
        foreign = env.offers_of(OTHER_SELLER)[0]
        tasks = await env.client.change_quantity([*(o.id for o in offers), foreign.id], 17)
        assert env.count(PUT_QUANTITY, 201) == 2
        assert len(tasks) == 1501
        failed = [t for t in tasks if t.status != "SUCCESS"]
        assert [t.offer.id for t in failed] == [foreign.id]
        assert failed[0].errors[0].code == "OFFER_NOT_FOUND"
        assert all(o.available == 17 for o in offers)
        summary = env.count("GET /sale/offer-quantity-change-commands/{command_id}")
        assert (
            summary >= 2
            and env.count("GET /sale/offer-quantity-change-commands/{command_id}/tasks") == 2
        )


async def test_inputs_are_checked_before_anything_is_sent() -> None:
    async with allegro_env() as env:
        with pytest.raises(ValueError, match="at least 1"):
            await env.client.submit_quantity(["1"], 0)
        with pytest.raises(ValueError, match="at most 1000"):
            await env.client.submit_quantity([str(i) for i in range(1001)], 5)
        with pytest.raises(ValueError, match="at least one offer"):
            await env.client.submit_publication([], "END")
        with pytest.raises(ValueError, match="negative"):
            await env.client.push_stock([StockTarget("1", -1)])
        assert env.count(PUT_QUANTITY) == 0


async def test_push_stock_ends_at_zero_and_activates_restocked_offers() -> None:
    async with allegro_env() as env:
        active = [o for o in env.offers_of() if o.status == "ACTIVE"]
        to_zero, to_five, restock = active[0], active[1], active[2]
        restock.status, restock.ended_by = "ENDED", "EMPTY_STOCK"
        stays_ended = active[3]
        stays_ended.status = "ENDED"
        results = await env.client.push_stock(
            [
                StockTarget(to_zero.id, 0),
                StockTarget(to_five.id, 5),
                StockTarget(restock.id, 5, activate=True),
                StockTarget(stays_ended.id, 8),
            ]
        )
        assert [r.ok for r in results] == [True] * 4
        assert results[0].ended and results[2].activated and not results[3].activated
        assert to_zero.status == "ENDED" and to_zero.ended_by == "USER"
        assert (to_five.available, to_five.status) == (5, "ACTIVE")
        assert (restock.available, restock.status) == (5, "ACTIVE")
        assert (stays_ended.available, stays_ended.status) == (8, "ENDED")
        assert env.count(PUT_QUANTITY) == 2 and env.count(PUT_PUBLICATION) == 2  # END + ACTIVATE


async def test_push_reports_per_offer_failures() -> None:
    async with allegro_env() as env:
        foreign = env.offers_of(OTHER_SELLER)[0]
        mine = next(o for o in env.offers_of() if o.status == "ACTIVE")
        results = await env.client.push_stock([StockTarget(foreign.id, 3), StockTarget(mine.id, 3)])
        assert results[0].ok is False and results[0].error_codes == ["OFFER_NOT_FOUND"]
        assert results[1].ok is True


async def test_a_repeated_put_meeting_409_reads_its_command_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with allegro_env() as env:
        offer = env.offers_of()[0]
        fixed = uuid.uuid4()
        monkeypatch.setattr(env.client, "new_command_id", lambda: str(fixed))
        body = {
            "modification": {"changeType": "FIXED", "value": 4},
            "offerCriteria": [{"type": "CONTAINS_OFFERS", "offers": [{"id": offer.id}]}],
        }
        assert env.tokens.tokens is not None
        headers = env.headers(env.tokens.tokens.access_token, **{"Content-Type": VENDOR})
        first = await env.raw.put(
            f"/sale/offer-quantity-change-commands/{fixed}",
            headers=headers,
            content=msgspec.json.encode(body),
        )
        assert first.status_code == 201  # "the first attempt got through, its answer was lost"
        submitted = await env.client.submit_quantity([offer.id], 4)
        assert submitted.id == str(fixed) and env.count(PUT_QUANTITY, 409) == 1
        tasks = await env.client.wait_for_command(submitted)
        assert tasks[0].status == "SUCCESS"


async def test_a_command_that_never_finishes_times_out() -> None:
    async with allegro_env(AllegroSandboxConfig(command_delay_s=10_000)) as env:
        env.client.polling = Polling(sleep=env.sleep, command_timeout_s=120)
        offer = env.offers_of()[0]
        with pytest.raises(AllegroTimeoutError, match="did not finish"):
            await env.client.change_quantity([offer.id], 2)
        assert sum(env.sleep.delays) > 120
