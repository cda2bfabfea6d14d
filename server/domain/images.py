"""Product images: decode an upload (never trusting its name), re-encode it, thumbnail it, store it.

An upload is accepted only when Pillow decodes it as JPEG, PNG or WebP, it is at most
`MAX_IMAGE_BYTES`, and its header declares at most `MAX_IMAGE_PIXELS` (checked before any pixel is
decoded, so a decompression bomb is refused cheaply). The decoded pixels are written again in the
same format (metadata and anything hidden in the original file are dropped) under a name made of the
SHA-256 of the result, next to a thumbnail of at most `THUMBNAIL_SIZE` pixels a side. Files are
never deleted by an edit: a rollback may point the product at its old image again.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from server.errors import TooLargeError, ValidationFailedError
from server.settings import get_settings

MEDIA_URL = "/media/"
"""Where stored files are served (`server.api.media`)."""
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 25_000_000
"""25 megapixels (e.g. 5000 x 5000): far above any product photo, far below a bomb."""
MAX_IMAGE_SIDE = 10_000
THUMBNAIL_SIZE = (320, 320)
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
STORED_NAME = re.compile(r"^[0-9a-f]{40}(?:_thumb)?\.(?:jpg|png|webp)$")
CONTENT_TYPES = {ext: content_type for ext, content_type in FORMATS.values()}


def media_root() -> Path:
    """The folder uploads are kept in (setting MEDIA_DIR)."""
    return Path(get_settings().media_dir)


def thumbnail_name(name: str) -> str:
    """The thumbnail file that belongs to a stored image."""
    stem, _, ext = name.rpartition(".")
    return f"{stem}_thumb.{ext}"


def _refuse(message: str) -> ValidationFailedError:
    return ValidationFailedError(message, field="image")


def _open_checked(data: bytes) -> Image.Image:
    """Open the upload lazily and check format and declared size before decoding pixels."""
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(f"image has more than {MAX_IMAGE_PIXELS:,} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise _refuse("image must be a JPEG, PNG or WebP picture") from None
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
        raise _refuse(f"image has more than {MAX_IMAGE_PIXELS:,} pixels")
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _normalised(image: Image.Image) -> Image.Image:
    """Decoded pixels, turned upright, in a mode every format here can write."""
    try:
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise _refuse("image could not be decoded (truncated or damaged)") from None
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode not in ("RGB", "RGBA", "L", "LA"):
        alpha = "A" in upright.getbands() or "transparency" in upright.info
        upright = upright.convert("RGBA" if alpha else "RGB")
    return upright


def process_image(data: bytes) -> tuple[str, bytes, bytes]:
    """Validate and re-encode an upload; returns (file name, image bytes, thumbnail bytes)."""
    if len(data) > MAX_IMAGE_BYTES:
        megabytes = MAX_IMAGE_BYTES // (1024 * 1024)
        raise TooLargeError(f"image is larger than {megabytes} MB", field="image")
    if not data:
        raise _refuse("image file is empty")
    image = _open_checked(data)
    fmt = str(image.format)
    pixels = _normalised(image)
    encoded = _encode(pixels, fmt)
    thumb = pixels.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    ext = FORMATS[fmt][0]
    name = f"{hashlib.sha256(encoded).hexdigest()[:40]}.{ext}"
    return name, encoded, _encode(thumb, fmt)


def _write(path: Path, content: bytes) -> None:
    """Write atomically: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


def _store_sync(data: bytes) -> str:
    name, encoded, thumb = process_image(data)
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    _write(root / name, encoded)
    _write(root / thumbnail_name(name), thumb)
    return name


async def store_image(data: bytes) -> str:
    """Check, re-encode and store an upload off the event loop; returns the stored file name."""
    return await asyncio.to_thread(_store_sync, data)


def stored_file(name: str) -> tuple[Path, str] | None:
    """The path and content type of a stored image or thumbnail, or None for any other name."""
    if not STORED_NAME.fullmatch(name):
        return None
    path = media_root() / name
    if not path.is_file():
        return None
    return path, CONTENT_TYPES[name.rpartition(".")[2]]
