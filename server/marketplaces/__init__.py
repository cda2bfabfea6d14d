"""Marketplace plumbing both clients share: HTTP with limits and retries, typed errors.

The Wix and Allegro clients live in the `wix` and `allegro` subpackages and build on
`MarketplaceHttp` (`http`), the shared budgets (`ratelimit`), `RetryPolicy` (`retry`) and
`MarketplaceError` (`errors`).
"""

from server.marketplaces.errors import (
    MarketplaceError,
    RateLimitedError,
    TransportError,
    default_error_parser,
    error_context,
)
from server.marketplaces.http import MarketplaceHttp, RequestStats, build_http_client
from server.marketplaces.ratelimit import (
    Budget,
    CompositeLimiter,
    LocalLimiter,
    NullLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from server.marketplaces.retry import RetryPolicy, parse_retry_after

__all__ = [
    "Budget",
    "CompositeLimiter",
    "LocalLimiter",
    "MarketplaceError",
    "MarketplaceHttp",
    "NullLimiter",
    "RateLimitedError",
    "RateLimiter",
    "RedisRateLimiter",
    "RequestStats",
    "RetryPolicy",
    "TransportError",
    "build_http_client",
    "default_error_parser",
    "error_context",
    "parse_retry_after",
]
