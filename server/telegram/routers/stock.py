"""`/stock SKU` and `/find text`."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from server.domain.drift import listings_sync_state
from server.domain.product_search import list_products
from server.domain.products import get_product, stock_for_product
from server.errors import NotFoundError
from server.telegram.replies import USAGE, find_text, stock_text

FIND_LIMIT = 10


async def stock_command(message: Message, command: CommandObject) -> None:
    """Stock per warehouse, and each listing's sellable, marketplace quantity and last sync."""
    sku = (command.args or "").strip()
    if not sku or " " in sku:
        await message.answer(USAGE["stock"])
        return
    try:
        product = await get_product(sku)
    except NotFoundError:
        await message.answer(f"No product with SKU {sku}. Try /find {sku}")
        return
    stock = await stock_for_product(sku)
    listings = await listings_sync_state(sku)
    await message.answer(stock_text(product, stock, listings))


async def find_command(message: Message, command: CommandObject) -> None:
    """Products whose SKU, name or EAN contains the text."""
    query = (command.args or "").strip()
    if not query:
        await message.answer(USAGE["find"])
        return
    page = await list_products(q=query, limit=FIND_LIMIT)
    await message.answer(find_text(query, page.items, page.total, capped=page.total_is_capped))


def router() -> Router:
    """Handles messages `/stock` and `/find`."""
    stock = Router(name="stock")
    stock.message.register(stock_command, Command("stock"))
    stock.message.register(find_command, Command("find"))
    return stock
