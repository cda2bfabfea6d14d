"""Set-up shared by the Allegro import tests (no tests here).

An Allegro sandbox in-process (over `SandboxTransport`), an Allegro account connected to seller
`StockBridgeDemo1` with warehouses A then B, a few of the seller's offers mapped to products, real
PostgreSQL and Redis. Client retries never wait. `OrderEnv` places, pays, cancels and merges orders
through the sandbox's admin API and runs `import_allegro_account`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from server.connectors import allegro as allegro_connector
from server.connectors.allegro import AllegroConnector
from server.domain import hooks
from server.domain.accounts import NewAccount, create_account
from server.domain.credentials import save_allegro_tokens
from server.domain.db import fetch
from server.marketplaces.allegro.base import Polling
from server.marketplaces.retry import RetryPolicy
from server.orders import ImportOptions, ImportReport, OrderImportDeps, import_allegro_account
from server.orders.lock import import_lock_key
from server.sandboxes.allegro import SandboxClock, create_allegro_sandbox, generate_seed
from server.sandboxes.common import FaultSettings, SandboxTransport
from server.settings import get_settings
from tests.orders.helpers import stocked_offer

SELLER = "StockBridgeDemo1"
ALLEGRO = {"client_id": "stockbridge-demo", "client_secret": "stockbridge-demo-secret"}
FORM_GET = "GET /order/checkout-forms/{form_id}"


async def no_sleep(seconds: float) -> None:
    """Back-off without waiting."""


@pytest.fixture(autouse=True)
def instant_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allegro clients retry as configured but without waiting between attempts."""

    def policy(attempts: int, *, block_s: float = 0.0) -> RetryPolicy:
        return RetryPolicy(attempts=attempts, sleep=no_sleep)

    monkeypatch.setattr(allegro_connector, "allegro_retry_policy", policy)


@pytest.fixture(autouse=True)
def no_app_listeners(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stock changes reach only the listeners a test adds itself."""
    monkeypatch.setattr(hooks, "_listeners", [])


@dataclasses.dataclass
class OrderEnv:
    """The sandbox, its admin client, the connector and the account under test."""

    app: Any
    admin_http: httpx.AsyncClient
    deps: OrderImportDeps
    account_id: int
    offers: list[Any]
    """Mapped offers (sandbox `Offer`s): offer i is product `offers[i].external_id`."""

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the sandbox admin API; returns the JSON body (asserts 2xx)."""
        response = await self.admin_http.request(method, f"/_sandbox{path}", **kwargs)
        assert response.is_success, response.text
        return response.json()

    async def buy(self, *lines: tuple[int, int], **options: Any) -> str:
        """Place an order of (offer index, quantity) lines; returns the checkout form id."""
        body = {
            "lines": [{"offerId": self.offers[i].id, "quantity": q} for i, q in lines],
            **options,
        }
        form = await self.admin("POST", f"/sellers/{SELLER}/orders", json=body)
        return str(form["id"])

    async def buy_earlier(self, seconds: float, *lines: tuple[int, int], **options: Any) -> str:
        """Place an order `seconds` ago in Allegro's time (the sandbox clock moves back and on)."""
        clock = self.app.state.allegro.store.clock
        clock.advance(-seconds)
        try:
            return await self.buy(*lines, **options)
        finally:
            clock.advance(seconds)

    async def connected_ago(self, seconds: float) -> None:
        """Move the account's connection (`created_at`) `seconds` back in our database's time."""
        await fetch(
            "UPDATE marketplace_account SET created_at = created_at - make_interval(secs => {}) "
            "WHERE id = {}",
            seconds,
            self.account_id,
        )

    async def pay(self, form_id: str) -> None:
        """The buyer pays (READY_FOR_PROCESSING)."""
        await self.admin("POST", f"/orders/{form_id}/pay")

    async def cancel(self, form_id: str, *, automatic: bool = False) -> None:
        """BUYER_CANCELLED (or AUTO_CANCELLED)."""
        await self.admin("POST", f"/orders/{form_id}/cancel", json={"automatic": automatic})

    async def merge(self, *form_ids: str) -> str:
        """Allegro merges unpaid forms; returns the new form's id."""
        body = {"orderIds": list(form_ids)}
        return str((await self.admin("POST", f"/sellers/{SELLER}/orders/merge", json=body))["id"])

    async def drop_events(self, form_id: str, *types: str) -> list[str]:
        """Remove a form's events from the journal (a missing event)."""
        body = {"orderId": form_id, "types": list(types)}
        return list(
            (await self.admin("POST", f"/sellers/{SELLER}/events/drop", json=body))["dropped"]
        )

    def set_faults(self, faults: FaultSettings) -> None:
        """Replace the sandbox's fault settings."""
        self.app.state.allegro.control.set_faults(faults)

    def count(self, endpoint: str) -> int:
        """Requests the sandbox counted for `METHOD /template`."""
        return int(self.app.state.allegro.control.counters.count(endpoint))

    def sku(self, index: int) -> str:
        """The product SKU of a mapped offer."""
        return str(self.offers[index].external_id)

    async def run(self, **options: Any) -> ImportReport:
        """One import of the account."""
        return await import_allegro_account(self.deps, self.account_id, ImportOptions(**options))


async def _connect(admin: httpx.AsyncClient, warehouses: Sequence[str]) -> int:
    account = await create_account(
        NewAccount(
            marketplace="allegro",
            name="Allegro",
            credentials=ALLEGRO,
            source_warehouses=list(warehouses),
        )
    )
    tokens = (await admin.post(f"/_sandbox/sellers/{SELLER}/tokens", json={})).json()
    await save_allegro_tokens(
        account.id,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=tokens["expires_in"]),
        scope=tokens["scope"],
    )
    return account.id


def _buyable(app: Any, count: int) -> list[Any]:
    store = app.state.allegro.store
    seller = store.seller_by_login(SELLER)
    offers = [
        o
        for o in store.offers_of(seller.id)
        if o.status == "ACTIVE" and o.external_id and o.available >= 20
    ]
    assert len(offers) >= count
    return sorted(offers, key=lambda o: o.external_id)[:count]


@asynccontextmanager
async def order_env(
    stock: dict[str, int] | None = None, *, mapped: int = 3, start: bool = True
) -> AsyncIterator[OrderEnv]:
    """The account with `mapped` offers mapped, each product holding `stock` (default A: 10).

    `start`: run one import first, so the account's cursor starts before the test's orders.
    """
    app = create_allegro_sandbox(seed=generate_seed(1, 40), clock=SandboxClock())
    settings = get_settings()
    redis = Redis.from_url(settings.redis_url)
    connector = AllegroConnector(
        settings, redis, transport=SandboxTransport(app), polling=Polling(sleep=no_sleep)
    )
    admin = httpx.AsyncClient(transport=SandboxTransport(app), base_url="http://sandbox")
    # Account ids restart at 1 in every test: a lock left by a test that failed must not linger.
    await redis.delete(import_lock_key(1), import_lock_key(2))
    try:
        account_id = await _connect(admin, ("A", "B"))
        offers = _buyable(app, mapped)
        for offer in offers:
            await stocked_offer(account_id, offer.external_id, offer.id, stock or {"A": 10})
        deps = OrderImportDeps(redis=redis, allegro=connector)
        env = OrderEnv(app, admin, deps, account_id, offers)
        if start:
            assert (await env.run()).status == "done"
        yield env
    finally:
        await admin.aclose()
        await redis.aclose()


def unmapped_offer(env: OrderEnv) -> Any:
    """An active offer of the seller that no listing maps."""
    store = env.app.state.allegro.store
    seller = store.seller_by_login(SELLER)
    mapped = {offer.id for offer in env.offers}
    return next(
        o
        for o in store.offers_of(seller.id)
        if o.status == "ACTIVE" and o.available >= 5 and o.id not in mapped
    )


async def line_statuses() -> list[tuple[str, str]]:
    """(order external id, line status) of every imported line, by line id."""
    rows = await fetch(
        'SELECT o.external_id, l.status FROM order_line l JOIN order_import o ON o.id = l."order" '
        "ORDER BY l.id"
    )
    return [(str(row["external_id"]), str(row["status"])) for row in rows]


async def order_states() -> dict[str, str]:
    """External order id → import state."""
    rows = await fetch("SELECT external_id, state FROM order_import")
    return {str(row["external_id"]): str(row["state"]) for row in rows}
