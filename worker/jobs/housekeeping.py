"""Housekeeping jobs: remove expired login sessions."""

from __future__ import annotations

from typing import Any

from server.domain.auth import purge_expired_sessions


async def purge_sessions(ctx: dict[str, Any]) -> int:
    """Delete expired sessions; returns how many went. Safe to run twice."""
    return await purge_expired_sessions()
