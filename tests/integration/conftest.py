"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from server.domain.connectors import CONNECTORS_STATE_KEY, MarketplaceConnectors
from tests.integration.accounts_helpers import app_of


@pytest.fixture
async def no_connectors(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """No marketplace client configured on the app for one test (what a bare app answers)."""
    app = app_of(client)
    saved = app.state.get(CONNECTORS_STATE_KEY)
    app.state[CONNECTORS_STATE_KEY] = MarketplaceConnectors()
    try:
        yield
    finally:
        app.state[CONNECTORS_STATE_KEY] = saved
