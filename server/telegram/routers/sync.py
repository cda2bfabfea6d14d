"""`/sync`: a keyboard to sync all accounts, one account or one SKU; the run is then followed.

The choice enqueues the run with `server.jobs.start_sync(trigger="bot")`, answers with the run
id in the same message, and a follower (`server.telegram.follow`) edits it with progress and the
final summary.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from arq import ArqRedis

from server import jobs
from server.domain.accounts import get_account, list_accounts
from server.domain.products import get_product
from server.errors import NotFoundError
from server.settings import Settings
from server.telegram.follow import Followers, follow_run
from server.telegram.replies import USAGE, progress_text

SKU_HINT = "To sync one product, send /sync SKU (e.g. /sync SB-00001)."


class SyncChoice(CallbackData, prefix="sync"):
    """A button of the `/sync` keyboard: scope `all`, `account` (with its id) or `sku` (a hint)."""

    scope: str
    account_id: int = 0


async def keyboard() -> InlineKeyboardMarkup:
    """All accounts, each active account, and one SKU."""
    rows = [
        [InlineKeyboardButton(text="All accounts", callback_data=SyncChoice(scope="all").pack())]
    ]
    for account in await list_accounts(active=True):
        choice = SyncChoice(scope="account", account_id=account.id)
        rows.append([InlineKeyboardButton(text=account.name, callback_data=choice.pack())])
    rows.append(
        [InlineKeyboardButton(text="One SKU…", callback_data=SyncChoice(scope="sku").pack())]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _follow(
    bot: Bot, arq: ArqRedis, shown: Message, run_id: int, settings: Settings, followers: Followers
) -> None:
    followers.start(
        follow_run(
            bot,
            arq,
            chat_id=shown.chat.id,
            message_id=shown.message_id,
            run_id=run_id,
            public_url=settings.public_url,
            interval_s=followers.interval_s,
        )
    )


async def sync_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    arq: ArqRedis,
    settings: Settings,
    followers: Followers,
) -> None:
    """`/sync` shows the keyboard; `/sync SKU` starts a run for that product at once."""
    sku = (command.args or "").strip()
    if not sku:
        await message.answer("What should be synced?", reply_markup=await keyboard())
        return
    if " " in sku:
        await message.answer(USAGE["sync"])
        return
    try:
        await get_product(sku)
    except NotFoundError:
        await message.answer(f"No product with SKU {sku}. Try /find {sku}")
        return
    run_id = await jobs.start_sync(arq, trigger="bot", scope="sku", sku=sku)
    shown = await message.answer(progress_text(run_id, None, settings.public_url))
    _follow(bot, arq, shown, run_id, settings, followers)


async def sync_choice(
    query: CallbackQuery,
    callback_data: SyncChoice,
    bot: Bot,
    arq: ArqRedis,
    settings: Settings,
    followers: Followers,
) -> None:
    """A keyboard button: start the run and turn the keyboard message into its progress."""
    message = query.message
    if callback_data.scope == "sku" or not isinstance(message, Message):
        await query.answer(SKU_HINT, show_alert=True)
        return
    if callback_data.scope == "account":
        try:
            account = await get_account(callback_data.account_id)
        except NotFoundError:
            await query.answer("That account is gone.", show_alert=True)
            return
        run_id = await jobs.start_sync(arq, trigger="bot", scope="account", account_id=account.id)
    else:
        run_id = await jobs.start_sync(arq, trigger="bot", scope="all")
    await query.answer(f"Sync run #{run_id} queued")
    await bot.edit_message_text(
        text=progress_text(run_id, None, settings.public_url),
        chat_id=message.chat.id,
        message_id=message.message_id,
    )
    _follow(bot, arq, message, run_id, settings, followers)


def router() -> Router:
    """Handles the message `/sync` and the keyboard's callback queries."""
    sync = Router(name="sync")
    sync.message.register(sync_command, Command("sync"))
    sync.callback_query.register(sync_choice, SyncChoice.filter())
    return sync
