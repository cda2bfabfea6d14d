"""Alert text: what happened, where (account, SKU, run link) and what to do, as plain text.

Messages are sent without a parse mode, so nothing in them needs escaping; every field passes
through `redact` on its way in.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.domain.alerts import Alert
from server.telegram.redact import redact

MAX_MESSAGE = 3500
"""Telegram allows 4,096 characters; room is left for the repeat note."""

TITLES = {
    "sync_failed": "Sync failures",
    "auth_failed": "Marketplace login failed",
    "rate_limited": "Rate limit block",
    "order_conflict": "Order line needs a product",
    "order_quarantined": "Order quarantined",
    "order_safety_net_failed": "Order safety net failed",
    "reconcile_stuck": "Reconciliation did not finish",
    "drift": "Drift above threshold",
    "test": "Test alert",
}
ACTIONS = {
    "sync_failed": "Open the run, fix the cause; the next reconciliation retries the failures.",
    "auth_failed": "Open the account, test it and reconnect it (Allegro) or replace its API key.",
    "rate_limited": "Nothing now: syncs resume by themselves. If it repeats, lower the load.",
    "order_conflict": "Map the line to a SKU on /orders/conflicts; it deducts once.",
    "order_quarantined": "Open the order, fix the cause and import it again.",
    "order_safety_net_failed": "Check the account's connection; orders may be missing.",
    "reconcile_stuck": "Check that a worker runs; a run open past its interval is stuck.",
    "drift": "Open /drift and start a sync; check accounts with failures.",
}


def _where(alert: Alert, public_url: str) -> list[str]:
    lines = []
    if alert.account_id is not None:
        lines.append(f"Account: #{alert.account_id} ({public_url}/accounts/{alert.account_id})")
    if alert.sku:
        lines.append(f"SKU: {alert.sku}")
    if alert.run_id is not None:
        lines.append(f"Run: #{alert.run_id} ({public_url}/sync/runs/{alert.run_id})")
    return lines


def alert_text(alert: Alert, *, public_url: str, secrets: Iterable[str] = ()) -> str:
    """The message for one alert, redacted and cut to Telegram's size."""
    base = public_url.rstrip("/")
    title = TITLES.get(alert.kind, alert.kind.replace("_", " ").capitalize())
    action = alert.action or ACTIONS.get(alert.kind, "")
    lines = [f"⚠️ StockBridge: {title}", "", alert.message, *_where(alert, base)]
    if action:
        lines += ["", f"What to do: {action}"]
    text = redact("\n".join(lines), secrets)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def with_repeats(text: str, repeats: int) -> str:
    """The text with a note of how often the same alert came again during its cooldown."""
    if repeats <= 0:
        return text
    times = "once" if repeats == 1 else f"{repeats} times"
    return f"{text}\n\n(repeated {times} since the last message)"
