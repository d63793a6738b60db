"""A NUL in a URL's path or query string is refused before any handler, on SQLite and on PostgreSQL (whose
text cannot hold one: without the refusal such a parameter failed in the query, a 500)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.settings import Settings
from tests.support.casebridge import ADMIN_TOKEN, SANDBOX_URL, Client, connected_settings
from tests.support.console import form_token, login


@pytest.fixture
async def client(
    settings: Settings, sandbox_http: httpx.AsyncClient, database_url: str
) -> AsyncIterator[Client]:
    """Logged in to the console, with the admin token and the demo pages."""
    overrides = {"sandbox_url": SANDBOX_URL, "database_url": database_url}
    app = create_app(connected_settings(settings, **overrides), Adapters(creatio_http=sandbox_http))
    async with AsyncTestClient(app=app) as client:
        await login(client)
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        client.headers["X-CSRF-Token"] = await form_token(client)
        yield client


def no_failure_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


@pytest.mark.parametrize("path", ["/demo/chat/conv%00x", "/demo/chat/%00/transcript"])
async def test_a_nul_in_a_path_parameter_is_a_404(
    client: Client, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.get(path)
    assert response.status_code == 404
    assert no_failure_logged(caplog)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/admin/conversations?q=a%00b",
        "/console/conversations?q=%00",
        "/api/v1/field-mappings/audit?conversation=conv%00",
    ],
)
async def test_a_nul_in_the_query_string_is_a_400_that_says_so(
    client: Client, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert no_failure_logged(caplog)


async def test_no_route_fails_on_a_nul_in_its_path_parameters(client: Client) -> None:
    failed = []
    for route in client.app.routes:
        if not isinstance(route, HTTPRoute) or "{" not in route.path:
            continue
        for value in ("%00", "a%00b"):
            path = re.sub(r"\{[^}]+\}", value, route.path)
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                response = await client.request(method, path)
                if response.status_code >= 500:
                    failed.append(f"{method} {path}: {response.status_code}")
    assert not failed


async def test_a_percent_sign_that_is_not_a_nul_passes(client: Client) -> None:
    response = await client.get("/api/v1/admin/conversations?q=100%25")
    assert response.status_code == 200
