"""Importing Allegro orders from the sandbox's journal: exactly once, cancels, merges, safety net."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain.alerts import Alert
from server.domain.hooks import add_stock_change_listener
from server.domain.orders import load_cursor
from tests.orders.allegro_env import (
    FORM_GET,
    instant_retries,
    line_statuses,
    no_app_listeners,
    order_env,
    order_states,
    unmapped_offer,
)
from tests.orders.helpers import operations, quantity

__all__ = ["instant_retries", "no_app_listeners"]
pytestmark = pytest.mark.usefixtures("warehouses")


async def test_duplicate_ready_events_deduct_once_from_the_first_warehouse_with_stock() -> None:
    async with order_env({"A": 1, "B": 5}) as env:
        changed: list[list[str]] = []

        async def listener(skus: list[str]) -> None:
            changed.append(skus)

        add_stock_change_listener(listener)
        form = await env.buy((0, 2), duplicateReadyEvent=True)
        report = await env.run()
        assert (report.events, report.deducted, report.forms_fetched) == (4, 1, 1)
        assert env.count(FORM_GET) == 1, "one read per form per page, however many events"
        assert (await quantity(env.sku(0), "A"), await quantity(env.sku(0), "B")) == (1, 3)
        assert changed == [[env.sku(0)]], "the deduction is fanned out to every marketplace"
        again = await env.run()
        assert (again.events, again.deducted) == (0, 0)
        assert await operations("ORDER_DEDUCTION") == 1
        assert await order_states() == {form: "DONE"}
        assert (await load_cursor(env.account_id)).event_id == report.cursor


async def test_events_out_of_order_across_pages_deduct_once() -> None:
    async with order_env() as env:
        journal = ["READY_FOR_PROCESSING", "FILLED_IN", "BOUGHT", "READY_FOR_PROCESSING"]
        await env.buy((0, 2), eventOrder=journal)
        report = await env.run(event_page_size=1)
        assert (report.events, report.deducted) == (4, 1)
        assert env.count(FORM_GET) == 4, "pages of one event: the form is read once per page"
        assert (await load_cursor(env.account_id)).event_id == report.cursor
        assert (await env.run()).events == 0
        assert await quantity(env.sku(0), "A") == 8


async def test_a_new_account_starts_when_it_was_connected() -> None:
    async with order_env(start=False) as env:
        before = await env.buy_earlier(60, (0, 3))
        bought = await env.buy((0, 1))
        first = await env.run()
        assert (first.events, first.deducted) == (0, 1), "the journal starts at its latest event"
        assert first.history >= 1, "bought a minute before the account was connected: history"
        assert await order_states() == {bought: "DONE"}
        later = await env.buy((0, 2))
        assert (await env.run()).deducted == 1
        assert await order_states() == {bought: "DONE", later: "DONE"}
        assert before not in await order_states()
        assert await quantity(env.sku(0), "A") == 7
        assert await operations("ORDER_DEDUCTION") == 2


async def test_orders_from_before_the_start_stay_history_when_shipped_later() -> None:
    async with order_env(start=False) as env:
        old = await env.buy_earlier(120, (0, 1))
        unpaid = await env.buy_earlier(120, (1, 1), paid=False)
        assert (await env.run()).deducted == 0
        env.app.state.allegro.store.clock.advance(5)
        await env.admin("POST", f"/orders/{old}/fulfillment", json={"status": "SENT"})
        shipped = await env.run()
        assert (shipped.deducted, shipped.history) == (0, 2), "shipping is not a new sale"
        await env.pay(unpaid)
        await env.drop_events(unpaid, "READY_FOR_PROCESSING")
        paid = await env.run()
        assert paid.deducted == 1, "paid after the start, missing from the journal: still a sale"
        assert await order_states() == {unpaid: "DONE"}
        assert (await quantity(env.sku(0), "A"), await quantity(env.sku(1), "A")) == (10, 9)


async def test_a_first_run_late_by_half_an_hour_deducts_what_was_sold_since_connecting() -> None:
    async with order_env(start=False) as env:
        await env.connected_ago(30 * 60)
        before = await env.buy_earlier(40 * 60, (0, 3))
        sold = await env.buy_earlier(20 * 60, (0, 2))
        first = await env.run()
        assert first.deducted == 1
        assert await order_states() == {sold: "DONE"}, f"{before} predates the connection"
        assert (await env.run()).deducted == 0
        assert await quantity(env.sku(0), "A") == 8
        assert await operations("ORDER_DEDUCTION") == 1


async def test_a_long_dormant_account_reaches_back_one_hour_at_most() -> None:
    async with order_env(start=False) as env:
        await env.connected_ago(3 * 3600)
        await env.buy_earlier(2 * 3600, (0, 3))
        await env.buy_earlier(61 * 60, (1, 1))
        recent = await env.buy_earlier(59 * 60, (0, 2))
        first = await env.run()
        assert first.deducted == 1, "only the order from the last hour is a sale"
        assert await order_states() == {recent: "DONE"}
        started = (await load_cursor(env.account_id)).started_at
        assert started is not None
        assert (
            dt.timedelta(minutes=59)
            < dt.datetime.now(dt.UTC) - started
            < dt.timedelta(hours=1, minutes=1)
        )
        assert (await quantity(env.sku(0), "A"), await quantity(env.sku(1), "A")) == (8, 10)


async def test_cancelled_before_deduction_moves_no_stock() -> None:
    async with order_env() as env:
        paid = await env.buy((0, 2))
        await env.cancel(paid)
        unpaid = await env.buy((1, 1), paid=False)
        await env.run()
        await env.cancel(unpaid, automatic=True)
        report = await env.run()
        assert (report.deducted, report.restocked) == (0, 0)
        assert await order_states() == {paid: "CANCELLED", unpaid: "CANCELLED"}
        assert await quantity(env.sku(0), "A") == 10 and await quantity(env.sku(1), "A") == 10
        assert await operations("ORDER_DEDUCTION") == await operations("ORDER_RESTOCK") == 0


async def test_cancelled_after_deduction_restocks_once() -> None:
    async with order_env() as env:
        form = await env.buy((0, 3), (1, 1))
        assert (await env.run()).deducted == 2
        assert await quantity(env.sku(0), "A") == 7
        await env.cancel(form)
        assert (await env.run()).restocked == 2
        assert (await env.run()).restocked == 0
        assert await quantity(env.sku(0), "A") == 10 and await quantity(env.sku(1), "A") == 10
        assert await operations("ORDER_RESTOCK") == 2
        assert await line_statuses() == [(form, "RESTOCKED"), (form, "RESTOCKED")]


async def test_merged_forms_answer_404_and_the_new_form_deducts_once() -> None:
    async with order_env() as env:
        first = await env.buy((0, 1), paid=False)
        second = await env.buy((1, 2), paid=False)
        merged = await env.merge(first, second)
        await env.pay(merged)
        report = await env.run()
        assert (report.merged, report.deducted) == (2, 2)
        assert await order_states() == {first: "MERGED", second: "MERGED", merged: "DONE"}
        assert await quantity(env.sku(0), "A") == 9 and await quantity(env.sku(1), "A") == 8
        assert (await env.run()).deducted == 0
        assert await operations("ORDER_DEDUCTION") == 2


async def test_forms_imported_before_their_merge_are_not_deducted_twice() -> None:
    async with order_env() as env:
        first = await env.buy((0, 1), paid=False)
        second = await env.buy((0, 2), paid=False)
        assert (await env.run()).deducted == 0
        merged = await env.merge(first, second)
        await env.pay(merged)
        assert (await env.run()).deducted == 2
        assert await quantity(env.sku(0), "A") == 7
        assert await operations("ORDER_DEDUCTION") == 2


async def test_an_event_the_journal_never_delivered_is_caught_by_the_safety_net() -> None:
    async with order_env() as env:
        forms = [await env.buy((i % 3, 1), paid=False) for i in range(5)]
        await env.run()
        for form in forms:
            await env.pay(form)
            assert await env.drop_events(form, "READY_FOR_PROCESSING")
        journal_only = await env.run(safety_net=False)
        assert (journal_only.events, journal_only.deducted) == (0, 0)
        caught = await env.run(form_page_size=2)
        assert caught.deducted == 5 and caught.safety_forms >= 5
        assert set((await order_states()).values()) == {"DONE"}
        assert (await env.run()).deducted == 0
        assert await operations("ORDER_DEDUCTION") == 5
        assert [await quantity(env.sku(i), "A") for i in range(3)] == [8, 8, 9]
        assert (await load_cursor(env.account_id)).watermark == caught.watermark


async def test_unmatched_and_ambiguous_lines_become_conflicts(alerts: list[Alert]) -> None:
    async with order_env() as env:
        store = env.app.state.allegro.store
        # The listing says product 2, the offer's external id (the SKU Allegro sends) product 0.
        store.set_external_id(env.offers[2], env.sku(0))
        stray = unmapped_offer(env)
        store.set_external_id(stray, "NOT-IN-CATALOGUE")
        env.offers.append(stray)
        form = await env.buy((2, 1), (1, 1))
        report = await env.run()
        assert (report.conflicts, report.deducted) == (1, 1)
        unmatched = await env.buy((3, 1))
        await env.run()
        assert await order_states() == {form: "CONFLICT", unmatched: "CONFLICT"}
        kinds = sorted(alert.message.split(": ", 1)[1].split(":")[0] for alert in alerts)
        assert kinds == ["ambiguous", "unknown_item"]
        assert [await quantity(env.sku(i), "A") for i in range(3)] == [10, 9, 10]
        await env.run()
        assert len(alerts) == 2, "a replay alerts nothing new"


async def test_one_fulfillment_lines_are_skipped() -> None:
    async with order_env() as env:
        form = await env.buy((0, 2), fulfilledByAllegro=True)
        report = await env.run()
        assert (report.deducted, report.applied) == (0, 1)
        assert await line_statuses() == [(form, "SKIPPED")]
        assert await quantity(env.sku(0), "A") == 10
