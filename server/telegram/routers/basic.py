"""`/start` and `/help`: what the bot can do."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from server.telegram.replies import HELP


async def help_command(message: Message) -> None:
    """Answer `/start` and `/help` with the command list."""
    await message.answer(HELP)


def router() -> Router:
    """Handles messages `/start` and `/help`."""
    basic = Router(name="basic")
    basic.message.register(help_command, CommandStart())
    basic.message.register(help_command, Command("help"))
    return basic
