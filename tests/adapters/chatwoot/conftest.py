"""Casebridge with a Chatwoot connector, the Chatwoot emulator, and the sandbox calling Casebridge back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from app.dev.chatwoot.emulator import ChatwootEmulator
from app.domain.creatio_platforms import CreatioPlatform
from app.sandbox import SandboxConfig
from app.settings import Settings
from tests.support.casebridge import Client
from tests.support.chatwoot.casebridge import chatwoot_app, chatwoot_settings
from tests.support.crm_to_chat import ForwardToApp, calling_back_config, sandbox_calling_back


@pytest.fixture
def forward() -> ForwardToApp:
    return ForwardToApp()


@pytest.fixture
def sandbox_config(creatio_platform: CreatioPlatform) -> SandboxConfig:
    return calling_back_config(creatio_platform)


@pytest.fixture
async def sandbox_app(sandbox_config: SandboxConfig, forward: ForwardToApp) -> AsyncIterator[Litestar]:
    async with sandbox_calling_back(sandbox_config, forward) as app:
        yield app


@pytest.fixture
def database() -> str:
    """SQLite unless a test parametrizes it with "postgresql" (then skipped without a server)."""
    return "sqlite"


@pytest.fixture
def workers() -> int:
    """No in-app workers (the tests run the jobs with `drain`) unless a test parametrizes it."""
    return 0


@pytest.fixture
def app_settings(settings: Settings, database: str, workers: int, request: pytest.FixtureRequest) -> Settings:
    if database == "postgresql":
        url = request.getfixturevalue("postgres_url")
        return chatwoot_settings(settings, database_url=url, workers=workers, reconcile_seconds=0)
    return chatwoot_settings(settings, workers=workers)


@pytest.fixture
async def client(
    app_settings: Settings, sandbox_http: httpx.AsyncClient, forward: ForwardToApp, chatwoot: ChatwootEmulator
) -> AsyncIterator[Client]:
    """Casebridge with the Chatwoot connector; the sandbox's business process calls it back."""
    async with chatwoot_app(app_settings, sandbox_http, chatwoot) as client:
        forward.target = client
        yield client
        forward.target = None
