"""API fuzzing: schemathesis cases for every operation, as an admin and as a viewer.

No answer is a server error, every answer matches the schema (status code, content type, body),
and no write of a viewer succeeds (nor changes any data). Cases are derandomized, so a failure
reproduces; `MAX_EXAMPLES` keeps the whole fuzz well under a minute and a half.
"""

from __future__ import annotations

import httpx

from tests.security.conftest import Seeded, data_fingerprint
from tests.security.fuzzing import CHECKS, fuzz, load_schema, operations, viewer_writes_nothing

MAX_EXAMPLES = 12


async def test_fuzz_as_admin(
    client: httpx.AsyncClient, seeded: Seeded, admin_headers: dict[str, str]
) -> None:
    schema = await load_schema(client)
    found = operations(schema)
    assert len(found) >= 40
    report = await fuzz(client, found, admin_headers, CHECKS, MAX_EXAMPLES)
    assert not report.findings, "\n".join(str(f) for f in report.findings)
    succeeded = report.operations_answering(200, 300)
    assert len(succeeded) >= 15, f"too few operations ever succeeded: {sorted(succeeded)}"


async def test_fuzz_as_viewer(
    client: httpx.AsyncClient, seeded: Seeded, viewer_headers: dict[str, str]
) -> None:
    schema = await load_schema(client)
    before = await data_fingerprint()
    checks = [*CHECKS, viewer_writes_nothing]
    report = await fuzz(client, operations(schema), viewer_headers, checks, MAX_EXAMPLES)
    assert not report.findings, "\n".join(str(f) for f in report.findings)
    assert report.operations_answering(403, 404), "viewer writes should meet 403s"
    assert await data_fingerprint() == before
