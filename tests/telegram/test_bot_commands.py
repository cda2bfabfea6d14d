"""Each bot command's answer, through the dispatcher and real HTTP to the fake Bot API."""

from __future__ import annotations

from arq import ArqRedis

from server.domain.accounts import NewAccount, create_account
from server.domain.db import fetch
from server.domain.ledger import receive
from server.domain.refs import Actor
from server.settings import Settings
from server.sync import records
from server.telegram.access import REFUSAL
from server.telegram.replies import HELP, USAGE
from tests.integration.accounts_helpers import WIX_CREDENTIALS
from tests.telegram.botkit import bot_under_test
from tests.telegram.conftest import ALLOWED_USER
from tests.telegram.fake_bot_api import FakeBotApi


async def ask(settings: Settings, arq: ArqRedis, fake: FakeBotApi, *texts: str) -> list[str]:
    async with bot_under_test(settings, arq) as tg:
        for text in texts:
            await tg.say(text, user_id=ALLOWED_USER)
    return fake.texts()


async def test_start_and_help_list_the_commands(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis
) -> None:
    assert await ask(settings, arq, fake, "/start", "/help") == [HELP, HELP]


async def test_bad_arguments_get_the_usage(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis
) -> None:
    replies = await ask(settings, arq, fake, "/stock", "/stock two words", "/find", "/sync a b")
    assert replies == [USAGE["stock"], USAGE["stock"], USAGE["find"], USAGE["sync"]]


async def test_stock_shows_warehouses_and_listings(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis, product: str
) -> None:
    await receive(product, "A", 7, actor=Actor(email="t"))
    await receive(product, "B", 3, actor=Actor(email="t"))
    replies = await ask(settings, arq, fake, f"/stock {product}", "/stock NOPE-1")
    assert replies[0].splitlines() == [
        "SKU-1 - Blue widget",
        "Available: 10",
        "Warehouses:",
        "  A Main warehouse: 7 (reserved 0)",
        "  B Overflow: 3 (reserved 0)",
        "Listings:",
        "  not listed on any marketplace",
    ]
    assert replies[1] == "No product with SKU NOPE-1. Try /find NOPE-1"


async def test_find_searches_products(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis, product: str
) -> None:
    replies = await ask(settings, arq, fake, "/find widget", "/find gadget")
    assert replies == [
        "1 product(s) match “widget”:\n  SKU-1 - Blue widget (available 0)",
        "No product matches “gadget”.",
    ]


async def test_status_and_orders_summarise(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis
) -> None:
    status, orders = await ask(settings, arq, fake, "/status", "/orders")
    assert status.splitlines() == [
        "Running syncs:",
        "  none",
        "Last runs:",
        "  none yet",
        "Failed items in these runs: 0",
        "Drifting listings: 0",
        "Order conflicts: 0",
    ]
    assert orders.splitlines() == ["Latest orders:", "  none imported yet", "Conflicts: 0"]


async def test_strangers_get_one_polite_refusal(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis
) -> None:
    async with bot_under_test(settings, arq) as tg:
        await tg.say("/stock SKU-1", user_id=999)
        await tg.say("/status", user_id=999)
        await tg.say("/help", user_id=ALLOWED_USER)
    assert fake.texts() == [REFUSAL, HELP]


async def test_sync_offers_all_accounts_and_each_account(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis, warehouses: list[str]
) -> None:
    await create_account(
        NewAccount(
            marketplace="wix",
            name="Shop one",
            credentials=WIX_CREDENTIALS,
            source_warehouses=["A"],
        )
    )
    await ask(settings, arq, fake, "/sync")
    sent = fake.sent()[0]
    assert sent["text"] == "What should be synced?"
    assert "All accounts" in sent["reply_markup"] and "Shop one" in sent["reply_markup"]
    assert "One SKU" in sent["reply_markup"]


async def test_stock_and_status_show_listings_runs_and_drift(
    fake: FakeBotApi, settings: Settings, arq: ArqRedis, product: str
) -> None:
    account = await create_account(
        NewAccount(
            marketplace="wix", name="Shop one", credentials=WIX_CREDENTIALS, source_warehouses=["A"]
        )
    )
    await receive(product, "A", 4, actor=Actor(email="t"))
    rows = await fetch(
        "INSERT INTO listing (account, product, wix_product_id, wix_variant_id, active, "
        "created_at, updated_at) VALUES ({}, {}, 'wp-1', 'wv-1', true, now(), now()) RETURNING id",
        account.id,
        product,
    )
    await records.update_listing_sync_state(
        [records.ListingSyncState(listing_id=int(rows[0]["id"]), last_seen_quantity=6)]
    )
    run_id = await records.create_run("api", scope="all")
    await records.finish_run(run_id, error="read pass failed")
    stock, status = await ask(settings, arq, fake, f"/stock {product}", "/status")
    listing_line = stock.splitlines()[-1]
    assert listing_line.startswith("  Shop one (wix): sellable 4, marketplace 6, last sync 20")
    assert listing_line.endswith(" UTC")
    assert f"  #{run_id} api/all FAILED: pushed 0, failed 0, " in status
    assert "Drifting listings: 1" in status
