"""Console and demo page fixtures: the app connected to the in-process sandbox, demo pages on, a login."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.settings import Settings
from tests.support.casebridge import SANDBOX_URL, Client, connected_settings
from tests.support.console import login
from tests.support.paths import MAPPINGS


@pytest.fixture
async def console(settings: Settings, sandbox_http: httpx.AsyncClient) -> AsyncIterator[Client]:
    """Not logged in; the Creatio connection is seeded (unverified) and the demo pages are on."""
    app = create_app(
        connected_settings(settings, sandbox_url=SANDBOX_URL), Adapters(creatio_http=sandbox_http)
    )
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.fixture
async def autofill_admin(settings: Settings, sandbox_http: httpx.AsyncClient) -> AsyncIterator[Client]:
    """Logged in, with field_mappings/default.yaml loaded (offline extractor)."""
    overrides = {"sandbox_url": SANDBOX_URL, "field_mappings_dir": MAPPINGS}
    app = create_app(connected_settings(settings, **overrides), Adapters(creatio_http=sandbox_http))
    async with AsyncTestClient(app=app) as client:
        await login(client)
        yield client


@pytest.fixture
async def admin(console: Client) -> Client:
    """Logged in to the console (session cookie set); `admin.csrf` holds the form token."""
    await login(console)
    return console
