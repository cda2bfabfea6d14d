"""RetryPolicy: which requests repeat, which outcomes are worth it, and how long to wait."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from server.marketplaces.retry import RetryPolicy, parse_retry_after
from server.settings import get_settings

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("7", 7.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Mon, 02 Mar 2026 12:00:30 GMT", 30.0),
        ("Mon, 02 Mar 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize(
    ("method", "idempotent", "repeatable"),
    [
        ("GET", None, True),
        ("head", None, True),
        ("PUT", None, True),
        ("DELETE", None, True),
        ("POST", None, False),
        ("PATCH", None, False),
        ("POST", True, True),
        ("PATCH", True, True),
        ("GET", False, False),
    ],
)
def test_only_requests_safe_to_repeat_are_repeated(
    method: str, idempotent: bool | None, repeatable: bool
) -> None:
    assert RetryPolicy().may_repeat(method, idempotent) is repeatable


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        *[(status, True) for status in (429, 500, 502, 503, 504)],
        *[(status, False) for status in (400, 401, 403, 404, 409, 422, 501)],
    ],
)
def test_retryable_statuses(status: int, retryable: bool) -> None:
    assert RetryPolicy().is_retryable_status(status) is retryable


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    top = RetryPolicy(base_delay_s=0.5, max_delay_s=3.0, jitter=lambda: 1.0)
    assert [top.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    bottom = replace(top, jitter=lambda: 0.0)
    assert [bottom.backoff(n) for n in range(1, 6)] == [0.0] * 5
    middle = replace(top, jitter=lambda: 0.25)
    assert middle.backoff(3) == 0.5


def test_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_retry_after_s=60.0, jitter=lambda: 1.0)
    assert policy.delay(1, retry_after=7.0, status=429) == 7.0
    assert policy.delay(1, retry_after=0.0, status=503) == 0.0
    assert policy.delay(1, retry_after=3600.0, status=429) == 60.0
    assert policy.delay(2, retry_after=None, status=503) == 2.0


def test_a_429_without_retry_after_waits_at_least_the_floor() -> None:
    policy = RetryPolicy(base_delay_s=1.0, rate_limited_min_delay_s=60.0, jitter=lambda: 0.5)
    assert policy.delay(1, retry_after=None, status=429) == 60.0
    assert policy.delay(1, retry_after=None, status=503) == 0.5
    assert policy.delay(1, retry_after=5.0, status=429) == 5.0


def test_attempts_come_from_settings() -> None:
    assert RetryPolicy.from_settings(get_settings()).attempts == get_settings().sync_retry_attempts


def test_bad_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(base_delay_s=-1.0)
