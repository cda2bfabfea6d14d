"""Reading a product edit from a request: a JSON body, or a multipart form that may carry an image.

The API (`PUT`/`PATCH /api/products/{sku}`) and the dashboard's edit form share this. A JSON body
is decoded into `ProductPatch` or `ProductReplace`; a form's text fields are read the same way
(`attributes` as JSON text, flags as true/false/on/1) and its `image` file is checked, re-encoded
and stored before the edit is written. Errors name the field.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile
from msgspec import UNSET

from server.domain.images import MAX_IMAGE_BYTES, store_image
from server.domain.product_edit import ProductChanges
from server.errors import InvalidRequestError, TooLargeError, ValidationFailedError
from server.web.product_schemas import ProductPatch, ProductReplace

MAX_BODY_BYTES = MAX_IMAGE_BYTES + 1024 * 1024
"""The largest edit request: one image at its limit plus the text fields."""
TEXT_FIELDS = ("sku", "name", "ean", "description", "attributes", "is_sync_enabled", "remove_image")
TRUE_WORDS = frozenset({"1", "true", "on", "yes"})
_PATH_FIELD = re.compile(r"at `\$\.([A-Za-z_]+)")
_MISSING_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def _invalid(error: msgspec.ValidationError | msgspec.DecodeError) -> InvalidRequestError:
    message = str(error)
    named = _PATH_FIELD.search(message) or _MISSING_FIELD.search(message)
    field = named.group(1) if named else None
    return InvalidRequestError(message.split(" - at ")[0], field=field)


def _form_fields(form: Any) -> dict[str, Any]:
    """The text fields sent (empty ones included: they clear EAN or description)."""
    raw: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = form.get(name)
        if value is None or isinstance(value, UploadFile):
            continue
        raw[name] = str(value)
    if "attributes" in raw:
        try:
            raw["attributes"] = msgspec.json.decode(raw["attributes"] or "{}")
        except msgspec.DecodeError:
            raise ValidationFailedError(
                "attributes must be a JSON object", field="attributes"
            ) from None
    for flag in ("is_sync_enabled", "remove_image"):
        if flag in raw:
            raw[flag] = raw[flag].strip().lower() in TRUE_WORDS
    return raw


async def _upload_bytes(form: Any) -> bytes | None:
    upload = form.get("image")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise TooLargeError(
            f"image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB", field="image"
        )
    return data


def _to_changes(body: ProductPatch | ProductReplace, image: str | None) -> ProductChanges:
    values = {
        name: getattr(body, name)
        for name in ("sku", "name", "ean", "description", "attributes", "is_sync_enabled")
        if getattr(body, name) is not UNSET
    }
    changes = ProductChanges(**values)
    if image is not None:
        changes.image = image
    elif body.remove_image:
        changes.image = None
    return changes


async def read_product_edit(request: Request[Any, Any, Any], *, full: bool) -> ProductChanges:
    """The edit a request asks for; `full` (PUT) requires every required field."""
    kind: type[ProductPatch | ProductReplace] = ProductReplace if full else ProductPatch
    image_bytes: bytes | None = None
    try:
        if request.content_type[0] == "multipart/form-data":
            form = await request.form()
            body = msgspec.convert(_form_fields(form), kind, strict=False)
            image_bytes = await _upload_bytes(form)
        else:
            body = msgspec.json.decode(await request.body(), type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise _invalid(error) from None
    image = await store_image(image_bytes) if image_bytes is not None else None
    return _to_changes(body, image)
