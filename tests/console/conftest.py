"""Console fixtures: the app connected to the in-process sandbox, with the demo pages on, and a login."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.settings import Settings
from tests.conftest import ADMIN_TOKEN, SANDBOX_URL, connected_settings

Client = AsyncTestClient[Litestar]
REPO = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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
    overrides = {"sandbox_url": SANDBOX_URL, "field_mappings_dir": REPO / "field_mappings"}
    app = create_app(connected_settings(settings, **overrides), Adapters(creatio_http=sandbox_http))
    async with AsyncTestClient(app=app) as client:
        await login(client)
        yield client


@pytest.fixture
async def admin(console: Client) -> Client:
    """Logged in to the console (session cookie set); `admin.csrf` holds the form token."""
    await login(console)
    return console


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def login(client: Client, token: str = ADMIN_TOKEN) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={"admin_token": token, "csrf_token": csrf_of(page.text), "next": "/console/health"},
        follow_redirects=False,
    )


async def form_token(client: Client, path: str = "/console/health") -> str:
    """The CSRF token of the current session, read from any console page."""
    return csrf_of((await client.get(path)).text)
