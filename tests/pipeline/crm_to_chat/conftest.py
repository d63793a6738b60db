"""Casebridge, the sandbox's business process calling its webhook, and a fake chat platform on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.domain.creatio_platforms import CreatioPlatform
from app.sandbox import SandboxConfig
from app.settings import Settings
from tests.support.casebridge import ADMIN_TOKEN, Client
from tests.support.chat_platform import FakeChatPlatform
from tests.support.crm_to_chat import (
    OUTBOUND_SECRET,
    ForwardToApp,
    calling_back_config,
    crm_to_chat_settings,
    sandbox_calling_back,
)


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
async def chat_platform() -> AsyncIterator[FakeChatPlatform]:
    platform = FakeChatPlatform(OUTBOUND_SECRET)
    await platform.start()
    yield platform
    await platform.stop()


@pytest.fixture
def app_settings(settings: Settings, chat_platform: FakeChatPlatform) -> Settings:
    return crm_to_chat_settings(settings, chat_platform)


@pytest.fixture
async def client(
    app_settings: Settings, sandbox_http: httpx.AsyncClient, forward: ForwardToApp
) -> AsyncIterator[Client]:
    """Casebridge, connected to the sandbox, whose webhook callbacks reach it (the token in the URL)."""
    async with httpx.AsyncClient() as chat_http:
        app = create_app(app_settings, Adapters(creatio_http=sandbox_http, chat_http=chat_http))
        async with AsyncTestClient(app=app) as client:
            client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            forward.target = client
            yield client
            forward.target = None
