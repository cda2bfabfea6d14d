"""`/media/{name}`: stored product images and thumbnails, served so a browser never runs them.

Only names StockBridge wrote (content hash and extension) are served, with the Content-Type of
the format they were re-encoded in, `nosniff`, a CSP that allows nothing and sandboxes the
response, and `inline` disposition; files never change, so they are cached for a year.
"""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath
from litestar.response import File

from server.domain.images import stored_file
from server.errors import NotFoundError

SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@get("/media/{name:str}", include_in_schema=False, sync_to_thread=False)
def media_file(name: FromPath[str]) -> File:
    """A stored image or thumbnail; 404 for any other name."""
    found = stored_file(name)
    if found is None:
        raise NotFoundError("no such file", field="name")
    path, content_type = found
    return File(
        path=path,
        filename=name,
        media_type=content_type,
        content_disposition_type="inline",
        headers=SAFE_HEADERS,
    )
