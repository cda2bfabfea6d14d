"""Login sessions over HTTP: a fresh id at every login, gone at logout, CSRF on the login form."""

from __future__ import annotations

import re

import httpx

LOGIN_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def _set_cookie(response: httpx.Response, name: str) -> str | None:
    """A cookie's value from Set-Cookie (httpx's jar ignores the dotless test host)."""
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return rest.split(";", 1)[0].strip('"') or None
    return None


async def _login(client: httpx.AsyncClient, password: str, old_session: str | None = None):
    page = await client.get("/login")
    match = LOGIN_CSRF.search(page.text)
    assert match
    cookies = f"sb_login_csrf={_set_cookie(page, 'sb_login_csrf')}"
    if old_session:
        cookies += f"; sb_session={old_session}"
    return await client.post(
        "/login",
        data={"email": "admin@example.com", "password": password, "_csrf": match.group(1)},
        headers={"Cookie": cookies},
    )


async def test_login_rotates_the_session_and_logout_ends_it(
    client: httpx.AsyncClient, admin: object
) -> None:
    first = await _login(client, "admin-password-1")
    assert first.status_code in (302, 303)
    first_id = _set_cookie(first, "sb_session")
    assert first_id
    second = await _login(client, "admin-password-1", old_session=first_id)
    second_id = _set_cookie(second, "sb_session")
    assert second_id
    assert second_id != first_id
    old = await client.get("/api/products", headers={"Cookie": f"sb_session={first_id}"})
    assert old.status_code == 401
    page = await client.get("/products", headers={"Cookie": f"sb_session={second_id}"})
    assert page.status_code == 200
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert csrf
    out = await client.post(
        "/logout", data={"_csrf": csrf.group(1)}, headers={"Cookie": f"sb_session={second_id}"}
    )
    assert out.status_code in (302, 303)
    after = await client.get("/api/products", headers={"Cookie": f"sb_session={second_id}"})
    assert after.status_code == 401


async def test_wrong_password_and_missing_login_csrf(
    client: httpx.AsyncClient, admin: object
) -> None:
    wrong = await _login(client, "not-the-password")
    assert wrong.status_code == 401
    assert "Wrong e-mail or password" in wrong.text
    assert _set_cookie(wrong, "sb_session") is None
    forged = await client.post(
        "/login", data={"email": "admin@example.com", "password": "admin-password-1"}
    )
    assert forged.status_code == 403
    assert _set_cookie(forged, "sb_session") is None


async def test_next_parameter_cannot_leave_the_site(
    client: httpx.AsyncClient, admin: object
) -> None:
    page = await client.get("/login?next=//evil.example/x")
    assert 'name="next" value="/"' in page.text


async def test_dashboard_redirects_anonymous_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/products?q=x")
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login?next=")


async def test_login_never_adopts_a_session_id_it_was_sent(
    client: httpx.AsyncClient, admin: object
) -> None:
    planted = "attacker-chosen-session-id-0123456789abcdef"
    response = await _login(client, "admin-password-1", old_session=planted)
    issued = _set_cookie(response, "sb_session")
    assert issued and issued != planted
    fixed = await client.get("/api/products", headers={"Cookie": f"sb_session={planted}"})
    assert fixed.status_code == 401


async def test_the_session_cookie_is_httponly_and_samesite(
    client: httpx.AsyncClient, admin: object
) -> None:
    response = await _login(client, "admin-password-1")
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("sb_session="))
    attributes = {part.strip().lower() for part in header.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes


async def test_logout_ends_only_that_session(client: httpx.AsyncClient, admin: object) -> None:
    first = _set_cookie(await _login(client, "admin-password-1"), "sb_session")
    second = _set_cookie(await _login(client, "admin-password-1"), "sb_session")
    page = await client.get("/products", headers={"Cookie": f"sb_session={first}"})
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert csrf
    await client.post(
        "/logout", data={"_csrf": csrf.group(1)}, headers={"Cookie": f"sb_session={first}"}
    )
    gone = await client.get("/api/products", headers={"Cookie": f"sb_session={first}"})
    kept = await client.get("/api/products", headers={"Cookie": f"sb_session={second}"})
    assert (gone.status_code, kept.status_code) == (401, 200)
