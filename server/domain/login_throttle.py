"""Login throttling: failed logins per client address and e-mail, counted in Redis.

Every failed login (wrong password or unknown e-mail alike, so the answer never tells which)
counts against two keys: the client address with the e-mail, and the client address alone (a wider
limit against one address trying many e-mails). A key that reaches its limit within the window is
locked; each further failure while counting doubles the lock, never beyond `MAX_LOCK_S`, and the
counters expire `WINDOW_S` after the last failure, so nobody is locked out for good. While a key is
locked every login from it is refused before the password is checked (a correct password too), and
the caller learns how many seconds to wait. A successful login clears the address-and-e-mail
counter. Keys hold SHA-256 digests, never the e-mail or address itself.

The Redis client is always passed in; this module keeps no connection of its own.
"""

from __future__ import annotations

import hashlib
import math

from redis.asyncio import Redis

from server.domain.users import UserRecord, authenticate
from server.errors import DomainError

KEY_PREFIX = "stockbridge:login-throttle:"
WINDOW_S = 15 * 60
"""Failures older than this (counted from the latest one) are forgotten."""
MAX_FAILURES_PER_EMAIL = 5
"""Failures of one e-mail from one address before it is locked."""
MAX_FAILURES_PER_ADDRESS = 30
"""Failures from one address, whatever the e-mails, before the address is locked."""
FIRST_LOCK_S = 30
MAX_LOCK_S = 15 * 60

_FAIL_SCRIPT = """
-- KEYS[1]: failure counter; KEYS[2]: lock key. ARGV: limit, window s, first lock s, max lock s.
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
local limit = tonumber(ARGV[1])
if count >= limit then
  local lock = tonumber(ARGV[3]) * (2 ^ math.min(count - limit, 16))
  lock = math.min(lock, tonumber(ARGV[4]))
  redis.call('SET', KEYS[2], '1', 'EX', lock)
end
return count
"""


class LoginThrottledError(DomainError):
    """Too many failed logins: wait `retry_after` seconds."""

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins; try again in {retry_after} seconds", field="email"
        )
        self.retry_after = retry_after


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _keys(client: str, email: str) -> list[tuple[str, int]]:
    """(key stem, limit) for the address-and-e-mail and the address-only counters."""
    email = email.strip().lower()
    return [
        (f"{KEY_PREFIX}email:{_digest(client, email)}", MAX_FAILURES_PER_EMAIL),
        (f"{KEY_PREFIX}addr:{_digest(client)}", MAX_FAILURES_PER_ADDRESS),
    ]


async def check_login_allowed(redis: Redis, client: str, email: str) -> None:
    """Raise `LoginThrottledError` while this address (or address and e-mail) is locked."""
    waits = [await redis.pttl(f"{stem}:lock") for stem, _ in _keys(client, email)]
    longest = max(waits)
    if longest > 0:
        raise LoginThrottledError(max(1, math.ceil(longest / 1000)))


async def record_login_failure(redis: Redis, client: str, email: str) -> None:
    """Count a failed login against both keys, locking those that reach their limit."""
    for stem, limit in _keys(client, email):
        args = (str(limit), str(WINDOW_S), str(FIRST_LOCK_S), str(MAX_LOCK_S))
        await redis.eval(_FAIL_SCRIPT, 2, stem, f"{stem}:lock", *args)  # type: ignore[misc]


async def record_login_success(redis: Redis, client: str, email: str) -> None:
    """Forget this address-and-e-mail's failures (the address-wide counter keeps counting)."""
    stem, _ = _keys(client, email)[0]
    await redis.delete(stem)


async def throttled_authenticate(
    redis: Redis, client: str, email: str, password: str
) -> UserRecord | None:
    """`authenticate`, refused while locked; failures counted, a success clears the count."""
    await check_login_allowed(redis, client, email)
    user = await authenticate(email, password)
    if user is None:
        await record_login_failure(redis, client, email)
        return None
    await record_login_success(redis, client, email)
    return user
