"""Allegro import under crashes, races and failing forms: nothing deducted twice, nothing lost."""

from __future__ import annotations

import asyncio

import pytest

from server.domain.alerts import Alert
from server.domain.db import fetch, fetch_one
from server.domain.orders import MAX_ORDER_FAILURES, load_cursor
from server.marketplaces.allegro.errors import AllegroApiError, AllegroRateLimitedError
from server.orders.lock import import_lock_key
from server.sandboxes.common import FaultSettings
from tests.orders.allegro_env import (
    OrderEnv,
    instant_retries,
    no_app_listeners,
    order_env,
    order_states,
)
from tests.orders.helpers import operations, quantity

__all__ = ["instant_retries", "no_app_listeners"]
pytestmark = pytest.mark.usefixtures("warehouses")


async def cursor(env: OrderEnv) -> str | None:
    return (await load_cursor(env.account_id)).event_id


async def test_a_worker_killed_before_its_cursor_save_deducts_nothing_more_on_replay() -> None:
    async with order_env() as env:
        start = await cursor(env)
        await env.buy((0, 2), (1, 1))
        await env.buy((0, 1))

        async def killed(account_id: int, event_id: str) -> None:
            raise RuntimeError("worker killed before the cursor was saved")

        with pytest.raises(RuntimeError, match="worker killed"):
            await env.run(save_progress=killed)
        assert await operations("ORDER_DEDUCTION") == 3
        assert await cursor(env) == start
        replay = await env.run()
        assert (replay.events, replay.deducted) == (6, 0)
        assert await operations("ORDER_DEDUCTION") == 3
        assert (await quantity(env.sku(0), "A"), await quantity(env.sku(1), "A")) == (7, 9)
        assert await cursor(env) == replay.cursor != start


async def test_two_importers_starting_a_new_account_agree_on_one_start() -> None:
    async with order_env(start=False) as env:
        await env.buy_earlier(60, (0, 1))
        await env.buy((1, 1))
        reports = await asyncio.gather(*(env.run(use_lock=False) for _ in range(3)))
        assert [report.status for report in reports] == ["done"] * 3
        assert sum(report.deducted for report in reports) == 1, "once, the order since connecting"
        rows = await fetch("SELECT event_id, started_at FROM order_cursor")
        assert len(rows) == 1 and rows[0]["started_at"] is not None
        await env.buy((0, 2))
        assert (await env.run()).deducted == 1
        assert (await quantity(env.sku(0), "A"), await quantity(env.sku(1), "A")) == (8, 9)


async def test_an_order_bought_before_a_failed_first_run_is_deducted_once() -> None:
    async with order_env(start=False) as env:
        sold = await env.buy((0, 2))
        env.set_faults(FaultSettings(share_5xx=1.0, path_prefixes=["/order/"]))
        with pytest.raises(AllegroApiError):
            await env.run()
        assert (await load_cursor(env.account_id)).started_at is None
        env.set_faults(FaultSettings())
        env.app.state.allegro.store.clock.advance(5)
        later = await env.buy((1, 1))
        first = await env.run()
        assert (first.status, first.deducted) == ("done", 2)
        assert (await env.run()).deducted == 0
        assert await order_states() == {sold: "DONE", later: "DONE"}
        assert (await quantity(env.sku(0), "A"), await quantity(env.sku(1), "A")) == (8, 9)
        assert await operations("ORDER_DEDUCTION") == 2


async def test_two_importers_of_one_account_deduct_each_line_once() -> None:
    async with order_env({"A": 40}) as env:
        for n in range(6):
            await env.buy((n % 3, 1), (2, 2), duplicateReadyEvent=n % 2 == 0)
        locked = await asyncio.gather(env.run(), env.run())
        assert sorted(report.status for report in locked) == ["busy", "done"]
        for n in range(6):
            await env.buy((n % 3, 1), (2, 2))
        racing = await asyncio.gather(env.run(), env.run(use_lock=False), env.run(use_lock=False))
        assert sum(report.deducted for report in racing) == 12
        assert await operations("ORDER_DEDUCTION") == 24
        skus = [env.sku(i) for i in range(3)]
        assert [await quantity(sku, "A") for sku in skus] == [36, 36, 40 - 4 - 24]
        assert (await env.run()).status == "done", "the lock was released"


async def test_a_failing_form_holds_the_cursor_then_is_quarantined_and_healed(
    alerts: list[Alert],
) -> None:
    async with order_env() as env:
        start = await cursor(env)
        bad = await env.buy((0, 1))
        await env.buy((1, 1))
        env.set_faults(FaultSettings(share_5xx=1.0, path_prefixes=[f"/order/checkout-forms/{bad}"]))
        for _ in range(MAX_ORDER_FAILURES - 1):
            held = await env.run(safety_net=False)
            assert (held.status, held.failed, held.quarantined) == ("partial", 1, 0)
            assert await cursor(env) == start
        assert await quantity(env.sku(1), "A") == 9, "orders behind a failing one still deduct"
        assert await quantity(env.sku(0), "A") == 10
        last = await env.run(safety_net=False)
        assert (last.status, last.quarantined) == ("done", 1)
        assert await cursor(env) == last.cursor != start
        assert (await order_states())[bad] == "QUARANTINED"
        assert [alert.kind for alert in alerts] == ["order_quarantined"]
        env.set_faults(FaultSettings())
        healed = await env.run()
        assert healed.deducted == 1, "the safety net retries a quarantined form"
        assert (await order_states())[bad] == "DONE"
        assert await quantity(env.sku(0), "A") == 9


async def test_rate_limits_end_the_run_without_counting_against_the_form() -> None:
    async with order_env() as env:
        start = await cursor(env)
        form = await env.buy((0, 1))
        env.set_faults(FaultSettings(share_429=1.0, path_prefixes=["/order/checkout-forms/"]))
        with pytest.raises(AllegroRateLimitedError):
            await env.run()
        assert await fetch_one("SELECT id FROM order_import") is None
        assert await cursor(env) == start
        env.set_faults(FaultSettings())
        assert (await env.run()).deducted == 1
        assert (await order_states()) == {form: "DONE"}


async def test_an_unknown_form_status_is_a_counted_failure_not_a_guess() -> None:
    async with order_env() as env:
        start = await cursor(env)
        form = await env.buy((0, 1))
        env.app.state.allegro.store.orders[form].status = "ON_HOLD"
        report = await env.run()
        assert (report.status, report.failed, report.deducted) == ("partial", 2, 0)
        row = await fetch_one("SELECT failures, last_error FROM order_import")
        assert row is not None and row["failures"] == 2 and "ON_HOLD" in row["last_error"]
        assert await cursor(env) == start, "the safety net failed it too: the cursor still waits"
        assert await quantity(env.sku(0), "A") == 10


async def test_an_unreadable_form_is_counted_against_it_and_the_safety_net_alerts(
    alerts: list[Alert],
) -> None:
    async with order_env() as env:
        start = await cursor(env)
        broken = await env.buy((0, 1))
        await env.buy((1, 1))
        env.app.state.allegro.store.orders[broken].line_items[0].external_id = 12345
        report = await env.run()
        assert (report.status, report.failed, report.deducted) == ("partial", 1, 1)
        row = await fetch_one("SELECT failures, last_error FROM order_import WHERE failures > 0")
        assert row is not None and row["failures"] == 1 and "ValidationError" in row["last_error"]
        assert [alert.kind for alert in alerts] == ["order_safety_net_failed"]
        assert await cursor(env) == start


async def test_a_dead_importers_lock_expires_and_only_its_owner_releases_it() -> None:
    async with order_env() as env:
        key = import_lock_key(env.account_id)
        await env.deps.redis.set(key, "dead-worker", px=300)
        await env.buy((0, 1))
        assert (await env.run()).status == "busy"
        assert await env.deps.redis.get(key) == b"dead-worker", "a busy importer leaves it alone"
        await asyncio.sleep(0.4)
        assert (await env.run()).deducted == 1
        assert await env.deps.redis.exists(key) == 0


async def test_a_form_the_safety_net_applied_at_its_events_revision_frees_the_cursor() -> None:
    async with order_env() as env:
        start = await cursor(env)
        stuck = await env.buy((0, 1))
        env.set_faults(
            FaultSettings(share_5xx=1.0, path_prefixes=[f"/order/checkout-forms/{stuck}"])
        )
        report = await env.run()
        assert (report.status, report.failed, report.deducted) == ("done", 1, 1)
        assert await cursor(env) == report.cursor != start
        assert (await order_states())[stuck] == "DONE"
        again = await env.run()
        assert (again.events, again.deducted, again.failed) == (0, 0, 0)
        assert await quantity(env.sku(0), "A") == 9
