"""The operations history: every recorded change, filtered by SKU and type, newest first."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from server.dashboard.context import render
from server.dashboard.history import history_rows
from server.domain import operations
from server.domain.operations import OperationType
from server.errors import ValidationFailedError
from server.web.guards import require_user

PAGE_SIZE = 50
OPERATION_TYPES = [kind.value for kind in OperationType]


def _link(sku: str, op_type: str, before: int | None) -> str:
    params = {key: value for key, value in (("sku", sku), ("type", op_type)) if value}
    if before is not None:
        params["before"] = str(before)
    return "/operations" + (f"?{urlencode(params)}" if params else "")


@get("/operations", name="dashboard:operations", guards=[require_user], include_in_schema=False)
async def operation_list(
    request: Request[Any, Any, Any],
    sku: Annotated[str, QueryParameter(max_length=64)] = "",
    op_type: Annotated[str, QueryParameter(name="type", max_length=32)] = "",
    before: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> Template:
    """History with keyset paging: "Older" continues below the last row shown."""
    sku = sku.strip()
    op_type = op_type.strip().upper()
    if op_type and op_type not in OPERATION_TYPES:
        raise ValidationFailedError(f"unknown operation type {op_type!r}", field="type")
    records = await operations.list_operations(
        sku=sku or None, op_type=op_type or None, before=before, limit=PAGE_SIZE + 1
    )
    more = len(records) > PAGE_SIZE
    records = records[:PAGE_SIZE]
    return render(
        request,
        "operations.html",
        nav="operations",
        rows=history_rows(records),
        sku=sku,
        op_type=op_type,
        types=OPERATION_TYPES,
        paged=before is not None,
        newest_link=_link(sku, op_type, None),
        older_link=_link(sku, op_type, records[-1].id) if more and records else None,
        current_path=_link(sku, op_type, before),
    )
