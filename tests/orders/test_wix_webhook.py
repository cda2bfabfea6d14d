"""`POST /api/webhooks/wix/{account_id}` through the app: a JWT signed with the account's app key
queues the order's import (which reads Wix again); anything else is refused and changes nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from arq import ArqRedis
from arq.jobs import Job
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from server.domain.accounts import AccountChanges, update_account
from server.domain.db import fetch
from server.orders.wix_jobs import IMPORT_WIX_ORDER
from tests.integration.accounts_helpers import app_of
from tests.orders.helpers import quantity
from tests.orders.wix_env import WixOrdersEnv, line, wix_orders_env
from worker.jobs.orders_wix import import_wix_order

pytestmark = pytest.mark.usefixtures("warehouses")

APP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def signed_event(
    order_id: str,
    *,
    key: rsa.RSAPrivateKey = APP_KEY,
    event_id: str | None = None,
    fqdn: str = "wix.ecom.v1.order",
    **claims: Any,
) -> str:
    """A Wix webhook body: a JWT whose `data` is the envelope, whose `data` is the event."""
    event = {
        "id": event_id or str(uuid.uuid4()),
        "entityFqdn": fqdn,
        "slug": "approved",
        "entityId": order_id,
        "eventTime": "2026-11-29T08:00:00.000Z",
        "actionEvent": {"body": {"order": {"id": order_id, "status": "CANCELED"}}},
    }
    envelope = {
        "eventType": "wix.ecom.v1.order_approved",
        "instanceId": "f6c2c0f9-4e9f-a58d-a02d-9af2497294d9",
        "data": json.dumps(event),
        "identity": json.dumps({"identityType": "APP"}),
    }
    return jwt.encode({"data": json.dumps(envelope), **claims}, key, algorithm="RS256")


@pytest.fixture
async def env() -> AsyncIterator[WixOrdersEnv]:
    async with wix_orders_env() as made:
        yield made


async def with_key(env: WixOrdersEnv) -> None:
    changes = AccountChanges(credentials={"webhook_public_key": public_pem(APP_KEY)})
    await update_account(env.account_id, changes)


async def deliver(client: httpx.AsyncClient, account_id: int, body: str | bytes) -> httpx.Response:
    return await client.post(
        f"/api/webhooks/wix/{account_id}", content=body, headers={"content-type": "text/plain"}
    )


async def queued_imports(arq: ArqRedis) -> list[Job]:
    """The webhook imports on the app's queue (read by id: other tests' jobs may be half gone)."""
    ids = [raw.decode() for raw in await arq.zrange(arq.default_queue_name, 0, -1)]
    jobs = [Job(job_id, arq) for job_id in ids if job_id.startswith(f"{IMPORT_WIX_ORDER}:")]
    return [job for job in jobs if (info := await job.info()) and info.function == IMPORT_WIX_ORDER]


async def run_and_forget(env: WixOrdersEnv, arq: ArqRedis, jobs: list[Job]) -> list[str]:
    """Run the queued imports as the worker would, then drop them from the queue."""
    ctx = {"redis": env.deps.redis, "wix": env.deps.wix}
    states = []
    for job in jobs:
        info = await job.info()
        assert info is not None
        states.append(await import_wix_order(ctx, *info.args))
        await arq.zrem(arq.default_queue_name, job.job_id)
        await arq.delete(f"arq:job:{job.job_id}")
    return states


async def test_a_signed_event_queues_an_import_that_reads_the_order_again(
    client: httpx.AsyncClient, env: WixOrdersEnv
) -> None:
    await with_key(env)
    arq = app_of(client).state.arq
    order = await env.place(line("MUG", 2))
    event_id = str(uuid.uuid4())
    first = await deliver(client, env.account_id, signed_event(order, event_id=event_id))
    repeat = await deliver(client, env.account_id, signed_event(order, event_id=event_id))
    jobs = await queued_imports(arq)
    states = await run_and_forget(env, arq, jobs)
    assert (first.status_code, first.json()) == (200, {"status": "queued", "order_id": order})
    assert repeat.json()["status"] == "duplicate"
    assert states == ["DONE"]  # the body said CANCELED; Wix says APPROVED, and Wix is read
    assert await quantity("MUG", "A") == 8
    again = await deliver(client, env.account_id, signed_event(order))
    assert await run_and_forget(env, arq, await queued_imports(arq)) == ["DONE"]
    assert again.status_code == 200 and await quantity("MUG", "A") == 8


async def test_a_bad_signature_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, env: WixOrdersEnv
) -> None:
    await with_key(env)
    order = await env.place(line("MUG", 2))
    forged = await deliver(client, env.account_id, signed_event(order, key=OTHER_KEY))
    head, _, signature = signed_event(order).rpartition(".")
    tampered_body = signed_event("00000000-0000-4000-8000-000000000001").split(".")[1]
    tampered = await deliver(
        client, env.account_id, f"{head.split('.')[0]}.{tampered_body}.{signature}"
    )
    expired = await deliver(client, env.account_id, signed_event(order, exp=1_600_000_000))
    assert [r.status_code for r in (forged, tampered, expired)] == [401, 401, 401]
    assert forged.json()["code"] == "bad_signature"
    assert public_pem(APP_KEY).splitlines()[1] not in forged.text
    assert await queued_imports(app_of(client).state.arq) == []
    assert await fetch("SELECT id FROM order_import") == []
    assert await quantity("MUG", "A") == 10


async def test_without_a_key_webhooks_are_refused_with_403_naming_the_field(
    client: httpx.AsyncClient, env: WixOrdersEnv
) -> None:
    order = await env.place(line("MUG"))
    answer = await deliver(client, env.account_id, signed_event(order))
    assert answer.status_code == 403
    assert answer.json()["field"] == "credentials.webhook_public_key"
    assert await queued_imports(app_of(client).state.arq) == []


async def test_malformed_bodies_are_400_and_unknown_accounts_404(
    client: httpx.AsyncClient, env: WixOrdersEnv
) -> None:
    await with_key(env)
    no_jwt = await deliver(client, env.account_id, b"not a token")
    junk = await deliver(client, env.account_id, b"a.b.c")
    no_envelope = await deliver(client, env.account_id, jwt.encode({"x": 1}, APP_KEY, "RS256"))
    no_order = await deliver(client, env.account_id, signed_event(""))
    bad_id = await deliver(client, env.account_id, signed_event("../../stores/v1/products"))
    binary = await deliver(client, env.account_id, b"\xff\xfe")
    unknown = await deliver(client, 999, signed_event("abc"))
    huge = await deliver(client, env.account_id, b"a" * 100_000)
    assert [r.status_code for r in (no_jwt, junk, no_envelope, no_order, bad_id, binary)] == [
        400
    ] * 6
    assert no_jwt.json()["code"] == "malformed_webhook"
    assert (unknown.status_code, huge.status_code) == (404, 413)
    assert await queued_imports(app_of(client).state.arq) == []


async def test_events_about_other_entities_are_acknowledged_and_ignored(
    client: httpx.AsyncClient, env: WixOrdersEnv
) -> None:
    await with_key(env)
    answer = await deliver(
        client, env.account_id, signed_event("abc", fqdn="wix.stores.v3.inventory_item")
    )
    assert (answer.status_code, answer.json()["status"]) == (200, "ignored")
    assert await queued_imports(app_of(client).state.arq) == []


async def test_deliveries_past_the_minute_budget_get_429(
    client: httpx.AsyncClient, env: WixOrdersEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.api import wix_webhooks

    await with_key(env)
    monkeypatch.setattr(wix_webhooks, "WEBHOOKS_PER_MINUTE", 2)
    answers = [await deliver(client, env.account_id, b"x.y.z") for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    await env.deps.redis.delete(
        *[k async for k in env.deps.redis.scan_iter("stockbridge:webhook:*")]
    )
