"""Image uploads: real pictures are re-encoded and served safely; anything else is refused."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image

from server.domain.images import MAX_IMAGE_BYTES


def _picture(fmt: str, size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _png_bomb(width: int = 8000, height: int = 8000) -> bytes:
    """A valid RGB PNG of zeros: about 200 KB that would decode to 192 MB of pixels."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def _media_files() -> set[str]:
    root = Path(os.environ["MEDIA_DIR"])
    return {p.name for p in root.iterdir()} if root.exists() else set()


async def _upload(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, content: bytes, kind: str
) -> httpx.Response:
    return await client.patch(
        "/api/products/SKU-1",
        files={"image": (name, content, kind)},
        data={"name": "Blue widget"},
        headers=headers,
    )


@pytest.mark.parametrize(
    ("fmt", "ext", "kind"),
    [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"), ("WEBP", "webp", "image/webp")],
)
async def test_real_image_is_reencoded_thumbnailed_and_served_safely(
    client: httpx.AsyncClient,
    product: str,
    admin_headers: dict[str, str],
    fmt: str,
    ext: str,
    kind: str,
) -> None:
    response = await _upload(client, admin_headers, f"photo.{ext}", _picture(fmt), kind)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["image"].endswith(f".{ext}")
    served = await client.get(body["image_url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == kind
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["content-disposition"].startswith("inline")
    assert Image.open(io.BytesIO(served.content)).format == fmt
    thumb = await client.get(body["thumbnail_url"])
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320


async def test_a_text_file_named_like_an_image_is_refused(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    before = _media_files()
    html = b"<html><script>alert(document.cookie)</script></html>"
    response = await _upload(client, admin_headers, "photo.png", html, "image/png")
    assert response.status_code == 422 and response.json()["field"] == "image"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = await _upload(client, admin_headers, "photo.svg", svg, "image/svg+xml")
    assert refused.status_code == 422 and refused.json()["field"] == "image"
    assert _media_files() == before


async def test_an_oversized_file_is_413(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    big = _picture("PNG", (16, 16)) + b"\x00" * MAX_IMAGE_BYTES
    response = await _upload(client, admin_headers, "big.png", big, "image/png")
    assert response.status_code == 413 and response.json()["field"] == "image"
    way_too_big = b"\x00" * (MAX_IMAGE_BYTES * 3)
    refused = await _upload(client, admin_headers, "huge.png", way_too_big, "image/png")
    assert refused.status_code == 413


async def test_a_decompression_bomb_is_refused_before_decoding(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    bomb = _png_bomb()
    assert len(bomb) < 1024 * 1024
    before = _media_files()
    response = await _upload(client, admin_headers, "bomb.png", bomb, "image/png")
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "image" and "pixels" in response.json()["detail"]
    assert _media_files() == before
    product_body = (await client.get("/api/products/SKU-1", headers=admin_headers)).json()
    assert product_body["image"] is None


async def test_media_serves_only_names_it_wrote(client: httpx.AsyncClient) -> None:
    for name in ("../secret", "x.html", "a" * 40 + ".svg", "a" * 40 + ".png"):
        assert (await client.get(f"/media/{name}")).status_code == 404


async def test_remove_image(
    client: httpx.AsyncClient, product: str, admin_headers: dict[str, str]
) -> None:
    await _upload(client, admin_headers, "p.png", _picture("PNG"), "image/png")
    response = await client.patch(
        "/api/products/SKU-1", json={"remove_image": True}, headers=admin_headers
    )
    assert response.json()["image"] is None and response.json()["image_url"] is None
