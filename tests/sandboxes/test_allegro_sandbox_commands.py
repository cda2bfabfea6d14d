"""Allegro sandbox: quantity-change and publication commands, their reports and their rules."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec

from tests.marketplaces.test_allegro_harness import (
    OTHER_SELLER,
    VENDOR,
    Env,
    allegro_env,
    clean_database,  # noqa: F401
)

QUANTITY = "/sale/offer-quantity-change-commands"
PUBLICATION = "/sale/offer-publication-commands"


def _headers(env: Env) -> dict[str, str]:
    assert env.tokens.tokens is not None
    return env.headers(env.tokens.tokens.access_token, **{"Content-Type": VENDOR})


def _criteria(ids: list[str]) -> list[dict[str, Any]]:
    return [{"type": "CONTAINS_OFFERS", "offers": [{"id": i} for i in ids]}]


async def _put(
    env: Env, path: str, body: dict[str, Any], command_id: str | None = None
) -> httpx.Response:
    command_id = command_id or str(uuid.uuid4())
    return await env.raw.put(
        f"{path}/{command_id}", headers=_headers(env), content=msgspec.json.encode(body)
    )


async def _get(env: Env, path: str, **params: Any) -> httpx.Response:
    return await env.raw.get(path, headers=_headers(env), params=params)


async def test_quantity_command_lifecycle_with_a_foreign_offer() -> None:
    async with allegro_env() as env:
        mine = [o for o in env.offers_of() if o.status == "ENDED" or o.available > 0][:3]
        foreign = env.offers_of(OTHER_SELLER)[0]
        command_id = str(uuid.uuid4())
        body = {
            "modification": {"changeType": "FIXED", "value": 15},
            "offerCriteria": _criteria([*(o.id for o in mine), foreign.id]),
        }
        created = await _put(env, QUANTITY, body, command_id)
        assert created.status_code == 201
        report = created.json()
        assert report["id"] == command_id and report["completedAt"] is None
        assert report["taskCount"] == {"total": 0, "success": 0, "failed": 0}
        summary = f"{QUANTITY}/{command_id}"
        assert (await _get(env, summary)).json()["taskCount"]["total"] == 0  # not visible yet
        env.clock.advance(1.0)
        visible = (await _get(env, f"{summary}/tasks")).json()["tasks"]
        assert [t["status"] for t in visible] == ["NEW"] * 4
        env.clock.advance(1.0)
        done = (await _get(env, summary)).json()
        assert done["taskCount"] == {"total": 4, "success": 3, "failed": 1} and done["completedAt"]
        tasks = (await _get(env, f"{summary}/tasks", limit=1000)).json()["tasks"]
        failed = [t for t in tasks if t["status"] == "FAIL"]
        assert (
            failed[0]["offer"]["id"] == foreign.id
            and failed[0]["errors"][0]["code"] == "OFFER_NOT_FOUND"
        )
        assert all(t["field"] == "quantity" for t in tasks)
        assert all(o.available == 15 for o in mine)
        assert foreign.available != 15 or foreign.seller_id != mine[0].seller_id
        page = (await _get(env, f"{summary}/tasks", limit=2, offset=3)).json()["tasks"]
        assert len(page) == 1


async def test_quantity_command_validation() -> None:
    async with allegro_env() as env:
        ids = [o.id for o in env.offers_of()[:2]]
        zero = await _put(
            env,
            QUANTITY,
            {"modification": {"changeType": "FIXED", "value": 0}, "offerCriteria": _criteria(ids)},
        )
        assert zero.status_code == 422
        assert zero.json()["errors"][0] | {"userMessage": ""} == {
            "code": "INCORRECT_QUANTITY_VALUE", "message": "Incorrect value of quantity",
            "details": None, "path": "modification.value", "userMessage": "", "metadata": {},
        }  # fmt: skip
        too_many = [str(10**10 + i) for i in range(1001)]
        big = await _put(
            env,
            QUANTITY,
            {
                "modification": {"changeType": "FIXED", "value": 1},
                "offerCriteria": _criteria(too_many),
            },
        )
        assert big.status_code == 422
        assert big.json()["errors"][0]["path"] == "offerCriteria[0].offers"
        assert "size must be between 0 and 1000" in big.json()["errors"][0]["message"]
        not_uuid = await _put(
            env,
            QUANTITY,
            {"modification": {"changeType": "FIXED", "value": 1}, "offerCriteria": _criteria(ids)},
            "cmd-1",
        )
        assert not_uuid.status_code == 422


async def test_reused_command_ids_unknown_ids_and_task_paging_limits() -> None:
    async with allegro_env() as env:
        ids = [o.id for o in env.offers_of()[:2]]
        body = {
            "modification": {"changeType": "FIXED", "value": 3},
            "offerCriteria": _criteria(ids),
        }
        command_id = str(uuid.uuid4())
        assert (await _put(env, QUANTITY, body, command_id)).status_code == 201
        same = await _put(env, QUANTITY, body, command_id)
        assert same.status_code == 409
        different = await _put(
            env, QUANTITY, {**body, "modification": {"changeType": "FIXED", "value": 4}}, command_id
        )
        assert (
            different.json()["errors"][0]["code"]
            == "COMMAND_ALREADY_REGISTERED_WITH_DIFFERENT_CONTENT"
        )
        unknown = await _get(env, f"{QUANTITY}/{uuid.uuid4()}")
        assert unknown.status_code == 404
        assert unknown.json()["errors"][0] == {
            **unknown.json()["errors"][0],
            "code": "COMMAND_NOT_FOUND",
            "message": "Command not found.",
        }
        assert (await _get(env, f"{QUANTITY}/{command_id}/tasks", limit=1001)).status_code == 422
        assert (await _get(env, f"{QUANTITY}/{command_id}/tasks", offset=1000)).status_code == 422


async def test_gain_applies_at_execution_and_cannot_go_negative() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.available > 2)
        before = offer.available
        body = {
            "modification": {"changeType": "GAIN", "value": -2},
            "offerCriteria": _criteria([offer.id]),
        }
        await _put(env, QUANTITY, body)
        assert offer.available == before
        env.clock.advance(2)
        await _get(env, "/me")
        assert offer.available == before - 2
        command_id = str(uuid.uuid4())
        await _put(
            env,
            QUANTITY,
            {**body, "modification": {"changeType": "GAIN", "value": -1000}},
            command_id,
        )
        env.clock.advance(2)
        tasks = (await _get(env, f"{QUANTITY}/{command_id}/tasks")).json()["tasks"]
        assert tasks[0]["status"] == "FAIL"


async def test_publication_end_then_activate_needs_stock() -> None:
    async with allegro_env() as env:
        offer = next(o for o in env.offers_of() if o.status == "ACTIVE")
        end_id = str(uuid.uuid4())
        await _put(
            env,
            PUBLICATION,
            {"publication": {"action": "END"}, "offerCriteria": _criteria([offer.id])},
            end_id,
        )
        env.clock.advance(2)
        tasks = (await _get(env, f"{PUBLICATION}/{end_id}/tasks")).json()["tasks"]
        assert (
            tasks[0]["status"] == "SUCCESS" and offer.status == "ENDED" and offer.ended_by == "USER"
        )
        offer.available = 0
        activate_id = str(uuid.uuid4())
        await _put(
            env,
            PUBLICATION,
            {"publication": {"action": "ACTIVATE"}, "offerCriteria": _criteria([offer.id])},
            activate_id,
        )
        env.clock.advance(2)
        failed = (await _get(env, f"{PUBLICATION}/{activate_id}/tasks")).json()["tasks"][0]
        assert failed["status"] == "FAIL" and offer.status == "ENDED"
        offer.available = 4
        again = str(uuid.uuid4())
        await _put(
            env,
            PUBLICATION,
            {"publication": {"action": "ACTIVATE"}, "offerCriteria": _criteria([offer.id])},
            again,
        )
        env.clock.advance(2)
        report = (await _get(env, f"{PUBLICATION}/{again}")).json()
        assert report["taskCount"]["success"] == 1 and offer.status == "ACTIVE"
        bad = await _put(
            env,
            PUBLICATION,
            {"publication": {"action": "PAUSE"}, "offerCriteria": _criteria([offer.id])},
        )
        assert bad.status_code == 422
