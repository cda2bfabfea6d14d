"""Schemathesis over the app's own OpenAPI schema, run in-process on the test's event loop.

Schemathesis generates the cases (Hypothesis, derandomized, a few per operation); they are sent
through the suite's in-process httpx client (so the app keeps the database pool and Redis it
opened on this loop) and each answer is checked with schemathesis's checks plus ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXCLUDED_OPERATIONS: dict[str, str] = {
    "syncEvents": "an SSE stream that never ends; tested in tests/integration/test_sync_api_events",
    "revokeToken": "would revoke the fuzzing session's own token; tested in test_api_tokens",
}
"""Operations that cannot be fuzzed meaningfully, with the reason."""
PUBLIC_WRITES = frozenset({"issueToken", "wixOrderWebhook"})
"""Writes with their own proof (a password, a marketplace signature) instead of a role."""
Check = Callable[[Any, Any, Any], bool | None]


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx, except the documented 503 of a marketplace without a client (none in tests)."""
    if response.status_code == 503 and case.path.startswith("/api/accounts/"):
        code = response.json().get("code")
        assert code == "marketplace_not_configured", f"503 {code}"
        return True
    assert response.status_code < 500, f"server error {response.status_code}: {response.text}"
    return True


def viewer_writes_nothing(ctx: Any, response: Any, case: Any) -> bool | None:
    """A viewer's write never succeeds."""
    if case.method.upper() in ("GET", "HEAD") or operation_id(case.operation) in PUBLIC_WRITES:
        return True
    assert not 200 <= response.status_code < 300, f"viewer write answered {response.status_code}"
    return True


CHECKS: list[Check] = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class FuzzReport:
    """What a fuzz run found, and the answers it got per operation (to show it went deep)."""

    findings: list[Finding]
    statuses: dict[str, list[int]]

    def operations_answering(self, low: int, high: int) -> set[str]:
        """Operations that answered at least once with a status in [low, high)."""
        return {op for op, codes in self.statuses.items() if any(low <= c < high for c in codes)}


@dataclass
class Finding:
    """One failed check, with what reproduces it."""

    operation: str
    request: str
    status: int
    message: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.request} -> {self.status}\n    {self.message[:600]}"


async def load_schema(client: httpx.AsyncClient) -> Any:
    """The app's OpenAPI document as a schemathesis schema."""
    document = (await client.get("/schema/openapi.json")).json()
    return schemathesis.openapi.from_dict(document)


def operation_id(operation: Any) -> str:
    """The operationId of a schemathesis operation."""
    return str(operation.definition.raw.get("operationId", ""))


def operations(schema: Any) -> list[Any]:
    """Every operation of the schema except the excluded ones."""
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation_id(operation) not in EXCLUDED_OPERATIONS:
            found.append(operation)
    return found


def generate_cases(operation: Any, max_examples: int) -> list[Any]:
    """Up to `max_examples` cases of one operation, the same ones every run."""
    cases: list[Any] = []
    strategy: st.SearchStrategy[Any] = operation.as_strategy()

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


def _as_httpx(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """The case as httpx request arguments (requests prepares body and query exactly)."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    kwargs.pop("cookies", None)
    prepared = requests.Request(**kwargs).prepare()
    return {
        "method": prepared.method,
        "url": prepared.url,
        "headers": dict(prepared.headers),
        "content": prepared.body,
    }


async def fuzz(
    client: httpx.AsyncClient,
    operation_list: Iterable[Any],
    headers: dict[str, str],
    checks: list[Check],
    max_examples: int,
) -> FuzzReport:
    """Send every generated case of every operation and collect the failed checks."""
    report = FuzzReport(findings=[], statuses={})
    findings = report.findings
    for operation in operation_list:
        for case in generate_cases(operation, max_examples):
            request = _as_httpx(case, headers)
            response = await client.request(**request)
            report.statuses.setdefault(operation.label, []).append(response.status_code)
            try:
                case.validate_response(response, checks=checks)
            except (Exception, BaseExceptionGroup) as failure:
                findings.append(
                    Finding(
                        operation=operation.label,
                        request=f"{request['method']} {request['url']} {request['content']!r}",
                        status=response.status_code,
                        message=str(failure),
                    )
                )
    return report
