"""Product editing on the dashboard over a cookie session: the form post without JavaScript, the
CSRF check on the API, history lines "Field: Old → New", Revert buttons, and what viewers see."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from server.domain.auth import create_session
from server.domain.users import UserRecord


async def _session(user: UserRecord) -> tuple[dict[str, str], str]:
    token, csrf = await create_session(user.id, timedelta(hours=1))
    return {"Cookie": f"sb_session={token}"}, csrf


def _cells(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def test_form_post_saves_and_history_shows_each_changed_field(
    client: httpx.AsyncClient, admin: UserRecord, product: str
) -> None:
    cookie, csrf = await _session(admin)
    fields = {"_csrf": csrf, "name": "Old", "sku": "12345", "ean": "12345670"}
    saved = await client.post(
        "/products/SKU-1/edit", files={"x": ("", b"")}, data=fields, headers=cookie
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/products/12345"
    fields = {"_csrf": csrf, "name": "New", "sku": "54321", "ean": "87654325"}
    await client.post("/products/12345/edit", files={"x": ("", b"")}, data=fields, headers=cookie)

    page = await client.get("/operations?type=PRODUCT_EDIT", headers=cookie)
    text = _cells(page.text)
    assert 'Name: "Old" → "New"' in text
    assert "SKU: 12345 → 54321" in text
    assert "EAN: 12345670 → 87654325" in text
    row = page.text.split("<tbody>")[1].split("</tr>")[0]
    assert '<td class="warehouse">—</td>' in row
    assert page.text.count(">Revert</button>") == 2


async def test_refused_form_post_shows_the_reason_and_changes_nothing(
    client: httpx.AsyncClient, admin: UserRecord, product: str
) -> None:
    cookie, csrf = await _session(admin)
    fields = {"_csrf": csrf, "name": "Blue widget", "sku": "SKU-1", "ean": "12345678"}
    refused = await client.post(
        "/products/SKU-1/edit", files={"x": ("", b"")}, data=fields, headers=cookie
    )
    assert refused.status_code == 422
    assert "EAN must be 8, 12 or 13 digits" in refused.text
    assert 'value="12345678"' in refused.text
    product_body = await client.get("/products/SKU-1", headers=cookie)
    assert "12345678" not in product_body.text


async def test_api_edit_over_a_session_needs_the_csrf_header(
    client: httpx.AsyncClient, admin: UserRecord, product: str
) -> None:
    cookie, csrf = await _session(admin)
    body = {"name": "Sneaky"}
    refused = await client.patch("/api/products/SKU-1", json=body, headers=cookie)
    assert refused.status_code == 403
    allowed = await client.patch(
        "/api/products/SKU-1", json=body, headers={**cookie, "X-CSRF-Token": csrf}
    )
    assert allowed.status_code == 200


async def test_viewer_sees_no_edit_or_revert_controls(
    client: httpx.AsyncClient, admin: UserRecord, viewer: UserRecord, product: str
) -> None:
    admin_cookie, csrf = await _session(admin)
    await client.patch(
        "/api/products/SKU-1", json={"name": "Red"}, headers={**admin_cookie, "X-CSRF-Token": csrf}
    )
    cookie, _ = await _session(viewer)
    for path in ("/products", "/products/SKU-1", "/operations"):
        page = await client.get(path, headers=cookie)
        assert page.status_code == 200
        assert "data-edit-product" not in page.text and ">Revert</button>" not in page.text
        assert "/edit" not in page.text
    assert (await client.get("/products/SKU-1/edit", headers=cookie)).status_code == 403
