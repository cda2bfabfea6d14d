"""The sync pages over HTTP with a cookie session: who sees the form, and what a refusal shows."""

from __future__ import annotations

from datetime import timedelta

import httpx

from server.domain.auth import create_session
from server.domain.users import UserRecord
from server.sync import records


async def _session(user: UserRecord) -> tuple[dict[str, str], str]:
    token, csrf = await create_session(user.id, timedelta(hours=1))
    return {"Cookie": f"sb_session={token}"}, csrf


async def test_admin_starts_a_sync_from_the_form(
    client: httpx.AsyncClient, admin: UserRecord, product: str
) -> None:
    cookie, csrf = await _session(admin)
    page = await client.get("/sync", headers=cookie)
    assert page.status_code == 200
    assert "Start sync" in page.text
    assert "No sync is running." in page.text
    refused = await client.post(
        "/sync", data={"_csrf": csrf, "scope": "account", "account_id": ""}, headers=cookie
    )
    assert refused.status_code == 422
    assert "Not saved." in refused.text
    assert 'aria-invalid="true"' in refused.text
    unknown = await client.post(
        "/sync", data={"_csrf": csrf, "scope": "sku", "sku": "NOPE"}, headers=cookie
    )
    assert unknown.status_code == 404
    started = await client.post(
        "/sync",
        data={"_csrf": csrf, "scope": "sku", "sku": product, "dry_run": "1"},
        headers=cookie,
    )
    assert (started.status_code, started.headers["location"]) == (303, "/sync")
    run = (await records.list_runs()).items[0]
    assert (run.trigger, run.scope_sku, run.dry_run) == ("dashboard", product, True)
    detail = await client.get(f"/sync/runs/{run.id}?status=FAILED", headers=cookie)
    assert detail.status_code == 200
    assert f"Sync run #{run.id}" in detail.text


async def test_viewer_sees_no_form_and_may_not_post(
    client: httpx.AsyncClient, viewer: UserRecord
) -> None:
    cookie, csrf = await _session(viewer)
    page = await client.get("/sync", headers=cookie)
    assert page.status_code == 200
    assert "Start sync" not in page.text
    refused = await client.post("/sync", data={"_csrf": csrf, "scope": "all"}, headers=cookie)
    assert refused.status_code == 403
    drift = await client.get("/drift", headers=cookie)
    assert drift.status_code == 200
    assert (await client.get("/sync/runs/999", headers=cookie)).status_code == 404
