"""Casebridge, the sandbox's business process calling its webhook, and a fake chat platform on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.testing.transport import TestClientTransport
from pydantic import SecretStr
from sqlmodel import select

from app.asgi import Adapters, create_app
from app.db.tables import ConversationRow, DeliveryRow, JobRow
from app.sandbox import SandboxConfig, SandboxStore, create_sandbox_app
from app.sandbox.ids import SandboxIds
from app.settings import Settings
from tests.conftest import ADMIN_TOKEN, SANDBOX_CLIENT_ID, SANDBOX_SECRET, connected_settings, drain
from tests.events import signed
from tests.fakes.chat_platform import FakeChatPlatform

Client = AsyncTestClient[Litestar]
OUTBOUND_SECRET = "test-chat-outbound-secret"
TECH_CONTACT = str(SandboxIds.TECH_CONTACT)


class ForwardToApp(httpx.AsyncBaseTransport):
    """Sends the sandbox's callbacks into the Casebridge app under test (no sockets)."""

    def __init__(self) -> None:
        self.target: Client | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.target is None:
            raise httpx.ConnectError("Casebridge is not running", request=request)
        return await TestClientTransport(self.target).handle_async_request(request)


@pytest.fixture
def forward() -> ForwardToApp:
    return ForwardToApp()


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(clients={SANDBOX_CLIENT_ID: SANDBOX_SECRET}, webhook_retries=0)


@pytest.fixture
async def sandbox_app(sandbox_config: SandboxConfig, forward: ForwardToApp) -> AsyncIterator[Litestar]:
    async with httpx.AsyncClient(transport=forward) as callbacks:
        yield create_sandbox_app(sandbox_config, http_client=callbacks)


@pytest.fixture
async def chat_platform() -> AsyncIterator[FakeChatPlatform]:
    platform = FakeChatPlatform(OUTBOUND_SECRET)
    await platform.start()
    yield platform
    await platform.stop()


def crm_to_chat_settings(settings: Settings, platform: FakeChatPlatform, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "chat_webhook_url": platform.url,
        "chat_outbound_secret": SecretStr(OUTBOUND_SECRET),
        "creatio_integration_contact_id": TECH_CONTACT,
        "retry_base_seconds": 0.3,
        "retry_max_seconds": 0.3,
    }
    return connected_settings(settings, **(values | overrides))


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


def sandbox_of(sandbox_app: Litestar) -> SandboxStore:
    store: SandboxStore = sandbox_app.state.sandbox
    return store


async def connect_webhook(client: Client, sandbox_app: Litestar, *, bearer: bool = False) -> dict[str, Any]:
    """Configure the sandbox's business process with the URL the admin API shows."""
    view: dict[str, Any] = (await client.get("/api/v1/admin/creatio-webhook")).json()
    webhook = sandbox_of(sandbox_app).webhooks.settings
    webhook.url = view["bearer_url"] if bearer else view["url"]
    webhook.headers = {"Authorization": view["authorization_header"]} if bearer else {}
    return view


async def post_events(client: Client, *events: dict[str, Any]) -> None:
    for event in events:
        body, headers = signed(event)
        response = await client.post("/api/v1/events", content=body, headers=headers)
        assert response.status_code in (200, 202), response.text


async def settle(client: Client, sandbox_app: Litestar) -> None:
    """Callbacks sent, then every runnable job run (twice: checks queue deliveries)."""
    await sandbox_of(sandbox_app).webhooks.drain()
    await drain(client)
    await drain(client)


async def conversation(client: Client, external_id: str) -> ConversationRow:
    async with client.app.state.services.sessions() as session:
        query = select(ConversationRow).where(ConversationRow.external_id == external_id)
        row: ConversationRow = (await session.exec(query)).one()
        return row


async def rows(client: Client, table: type[Any]) -> list[Any]:
    async with client.app.state.services.sessions() as session:
        return list((await session.exec(select(table))).all())


async def deliveries(client: Client) -> list[DeliveryRow]:
    return sorted(await rows(client, DeliveryRow), key=lambda d: d.created_at)


async def jobs(client: Client, kind: str) -> list[JobRow]:
    return [j for j in await rows(client, JobRow) if j.kind == kind]
