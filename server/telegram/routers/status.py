"""`/status` (syncs, failures, drift, conflicts) and `/orders` (imports and conflicts)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from redis.asyncio import Redis

from server.domain.drift import count_drift
from server.domain.orders.queries import list_conflicts, list_orders
from server.sync import records
from server.sync.progress import active_progress
from server.telegram.replies import orders_text, run_line

LAST_RUNS = 5


async def status_text(redis: Redis) -> str:
    """Running syncs, the last runs, failed items among them, drift and order conflicts."""
    running = await active_progress(redis)
    runs = (await records.list_runs(limit=LAST_RUNS)).items
    lines = ["Running syncs:"]
    lines += [f"  #{p.run_id} {p.trigger}/{p.scope} {p.status} {p.percent}%" for p in running] or [
        "  none"
    ]
    lines.append("Last runs:")
    lines += [run_line(run) for run in runs] or ["  none yet"]
    failed = sum(run.failed for run in runs)
    lines.append(f"Failed items in these runs: {failed}")
    lines.append(f"Drifting listings: {await count_drift()}")
    lines.append(f"Order conflicts: {(await list_conflicts(limit=1)).total}")
    return "\n".join(lines)


async def status_command(message: Message, redis: Redis) -> None:
    """Answer `/status`."""
    await message.answer(await status_text(redis))


async def orders_command(message: Message) -> None:
    """Answer `/orders` with the latest imports and conflicts."""
    orders = await list_orders(limit=8)
    conflicts = await list_conflicts(limit=5)
    await message.answer(orders_text(orders.items, conflicts.items, conflicts.total))


def router() -> Router:
    """Handles messages `/status` and `/orders`."""
    status = Router(name="status")
    status.message.register(status_command, Command("status"))
    status.message.register(orders_command, Command("orders"))
    return status
