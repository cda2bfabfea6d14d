"""The bot's routers, one per command group; `get_routers` builds fresh ones per dispatcher."""

from __future__ import annotations

from aiogram import Router

from server.telegram.routers import basic, status, stock, sync


def get_routers() -> list[Router]:
    """New routers for one dispatcher (an aiogram router joins only one parent)."""
    return [basic.router(), stock.router(), sync.router(), status.router()]
