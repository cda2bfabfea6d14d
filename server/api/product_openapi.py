"""The OpenAPI request body of a product edit: the same fields as JSON or as a multipart form.

The edit handlers read the body themselves (`server.web.product_form`), because one endpoint takes
both encodings; this operation class tells `/schema` what they accept.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)

_TEXT = Schema(type=OpenAPIType.STRING)
_FLAG = Schema(type=OpenAPIType.BOOLEAN)
_FIELDS: dict[str, Reference | Schema] = {
    "sku": Schema(type=OpenAPIType.STRING, min_length=1, max_length=64, examples=["SB-00001"]),
    "name": Schema(type=OpenAPIType.STRING, min_length=1, max_length=255),
    "ean": Schema(
        one_of=[Schema(type=OpenAPIType.STRING, max_length=13), Schema(type=OpenAPIType.NULL)],
        description="EAN-8, UPC-A or EAN-13 with a valid check digit; empty or null for none",
    ),
    "description": Schema(type=OpenAPIType.STRING, max_length=20_000),
    "attributes": Schema(type=OpenAPIType.OBJECT, description="flat: text, numbers, flags, null"),
    "is_sync_enabled": _FLAG,
    "remove_image": _FLAG,
}


def _body(required: list[str]) -> RequestBody:
    form_fields: dict[str, Reference | Schema] = {**_FIELDS, "attributes": _TEXT, "ean": _TEXT}
    image = Schema(
        type=OpenAPIType.STRING,
        format="binary",  # type: ignore[arg-type]
        description="JPEG, PNG or WebP, at most 5 MB and 25 megapixels",
    )
    return RequestBody(
        required=True,
        content={
            "application/json": OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.OBJECT, properties=_FIELDS, required=required)
            ),
            "multipart/form-data": OpenAPIMediaType(
                schema=Schema(
                    type=OpenAPIType.OBJECT,
                    properties={**form_fields, "image": image},
                    required=required,
                )
            ),
        },
    )


@dataclass
class ReplaceProductOperation(Operation):
    """PUT: `sku` and `name` required."""

    def __post_init__(self) -> None:
        self.request_body = _body(["sku", "name"])


@dataclass
class PatchProductOperation(Operation):
    """PATCH: every field optional."""

    def __post_init__(self) -> None:
        self.request_body = _body([])
