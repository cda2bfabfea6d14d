"""Files the app serves: nothing outside their folders, and nothing from the media folder as HTML.

File routes are discovered from the app (a `{...:path}` parameter, or a path under `/static` or
`/media`), so the media route of the products branch is covered once merged. Requests are sent as
raw ASGI calls: an HTTP client would resolve `../` before sending it.

To extend when media serving lands: `served_folders` maps each file route's prefix to the folder it
serves; a route whose folder is unknown there fails `test_every_file_route_has_a_known_folder`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from litestar import Litestar

from server.app import STATIC_DIR
from tests.security.helpers import the_app
from tests.security.routes import all_routes

TRAVERSALS = [
    "../{name}",
    "../../{name}",
    "..%2f{name}",
    "%2e%2e/{name}",
    "%2e%2e%2f{name}",
    "..%5c{name}",
    "....//{name}",
    "%252e%252e%252f{name}",
    "..;/{name}",
    "{absolute}",
    "/{absolute}",
]
HTML_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml")


def media_dir() -> Path:
    """The folder uploads are stored in (MEDIA_DIR)."""
    from server.settings import get_settings

    return Path(get_settings().media_dir).resolve()


def served_folders() -> dict[str, Path]:
    """The folder behind each file route prefix."""
    return {"/static/": STATIC_DIR.resolve(), "/media/": media_dir()}


def file_route_prefixes(app: Litestar) -> set[str]:
    """The prefix of every route that serves files."""
    prefixes = set()
    for route in all_routes(app):
        template = route.template
        if route.method == "GET" and (
            ":path}" in template or template.startswith(("/static", "/media"))
        ):
            prefixes.add(template.split("{", 1)[0])
    return prefixes


async def raw_get(app: Litestar, raw_path: str) -> tuple[int, dict[str, str], bytes]:
    """GET a path exactly as written (no client-side `..` resolution)."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    status = 0
    headers: dict[str, str] = {}
    body = b""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
            headers.update({k.decode().lower(): v.decode() for k, v in message["headers"]})
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status, headers, body


@pytest.fixture
def canaries() -> Iterator[dict[str, bytes]]:
    """A secret file next to (outside) every served folder; removed afterwards."""
    planted: dict[Path, bytes] = {}
    for folder in {*served_folders().values()}:
        folder.mkdir(parents=True, exist_ok=True)
        secret = f"canary-{secrets.token_hex(8)}".encode()
        path = folder.parent / f"sb-canary-{secrets.token_hex(4)}.txt"
        path.write_bytes(secret)
        planted[path] = secret
    try:
        yield {str(path): secret for path, secret in planted.items()}
    finally:
        for path in planted:
            path.unlink(missing_ok=True)


async def test_every_file_route_has_a_known_folder(client: httpx.AsyncClient) -> None:
    prefixes = file_route_prefixes(the_app(client))
    assert "/static/" in prefixes
    assert not prefixes - set(served_folders()), "add the new file route's folder above"


async def test_file_routes_serve_nothing_outside_their_folder(
    client: httpx.AsyncClient, canaries: dict[str, bytes]
) -> None:
    app = the_app(client)
    prefixes = file_route_prefixes(app) | {"/media/"}
    leaked = []
    for prefix in sorted(prefixes):
        for canary_path, secret in canaries.items():
            name = Path(canary_path).name
            for pattern in TRAVERSALS:
                raw = prefix + pattern.format(name=name, absolute=canary_path.lstrip("/"))
                status, _, body = await raw_get(app, raw)
                if secret in body:
                    leaked.append(f"{raw} -> {status}")
    assert not leaked, "files outside the served folders:\n" + "\n".join(leaked)
    status, _, body = await raw_get(app, "/static/app.css")
    assert status == 200 and body, "the served folder itself still works"


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "evil.xhtml", "evil.png"])
async def test_the_media_folder_never_serves_html(client: httpx.AsyncClient, name: str) -> None:
    folder = media_dir()
    folder.mkdir(parents=True, exist_ok=True)
    planted = folder / name
    planted.write_text("<html><script>alert(document.cookie)</script></html>")
    app = the_app(client)
    try:
        for prefix in sorted(file_route_prefixes(app) | {"/media/"}):
            status, headers, _ = await raw_get(app, prefix + name)
            if 200 <= status < 300:
                content_type = headers.get("content-type", "")
                assert not content_type.startswith(HTML_TYPES), (prefix, content_type)
                assert headers.get("x-content-type-options") == "nosniff", prefix
    finally:
        planted.unlink(missing_ok=True)


def _escaped_files(root: Path) -> set[Path]:
    """Files named like the upload near the media folder and in /tmp (where an escape lands)."""
    return set(root.parent.rglob("escaped*")) | set(Path("/tmp").glob("escaped*"))


@pytest.mark.parametrize(
    "filename", ["../../escaped.png", "/tmp/escaped.png", "..%2F..%2Fescaped.png", "evil.html"]
)
async def test_an_uploaded_file_never_lands_outside_the_media_folder(
    client: httpx.AsyncClient, admin_headers: dict[str, str], product: str, filename: str
) -> None:
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 10)).save(picture, "PNG")
    root = media_dir()
    outside = _escaped_files(root)
    response = await client.patch(
        f"/api/products/{product}",
        files={"image": (filename, picture.getvalue(), "image/png")},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    name = str(response.json()["image"]).removeprefix("/media/")
    assert "/" not in name and ".." not in name and "escaped" not in name, name
    stored = root / name
    assert stored.resolve().parent == root.resolve() and stored.suffix == ".png", stored
    assert _escaped_files(root) == outside, "nothing was written outside the media folder"
    served = await client.get(f"/media/{name}")
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
