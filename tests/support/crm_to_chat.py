"""Creatio to chat with the whole app: the sandbox's business process calling Casebridge's webhook, agent
replies and status changes in the sandbox, and what Casebridge delivered and queued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing.transport import TestClientTransport
from pydantic import SecretStr

from app.db.tables import DeliveryRow, JobRow
from app.domain.creatio_platforms import CreatioPlatform
from app.sandbox import SandboxConfig, create_sandbox_app
from app.sandbox.ids import SandboxIds
from app.settings import Settings
from tests.support.casebridge import (
    SANDBOX_CLIENT_ID,
    SANDBOX_SECRET,
    Client,
    connected_settings,
    conversation,
    database_of,
    drain,
    post_events,
    rows,
    store_of,
)
from tests.support.chat_platform import FakeChatPlatform
from tests.support.events import message

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


def calling_back_config(platform: CreatioPlatform) -> SandboxConfig:
    """The sandbox for Creatio-to-chat tests: its business process calls back once (no retries)."""
    return SandboxConfig(
        clients={SANDBOX_CLIENT_ID: SANDBOX_SECRET},
        webhook_retries=0,
        platform=platform,
        database=database_of(platform),
    )


@asynccontextmanager
async def sandbox_calling_back(config: SandboxConfig, forward: ForwardToApp) -> AsyncIterator[Litestar]:
    """The sandbox app, its business-process callbacks sent into the app under test through `forward`."""
    async with httpx.AsyncClient(transport=forward) as callbacks:
        yield create_sandbox_app(config, http_client=callbacks)


def crm_to_chat_settings(settings: Settings, platform: FakeChatPlatform, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "chat_webhook_url": platform.url,
        "chat_outbound_secret": SecretStr(OUTBOUND_SECRET),
        "creatio_integration_contact_id": TECH_CONTACT,
        "retry_base_seconds": 0.3,
        "retry_max_seconds": 0.3,
    }
    return connected_settings(settings, **(values | overrides))


async def connect_webhook(client: Client, sandbox_app: Litestar, *, bearer: bool = False) -> dict[str, Any]:
    """Configure the sandbox's business process with the URL the admin API shows."""
    view: dict[str, Any] = (await client.get("/api/v1/admin/creatio-webhook")).json()
    webhook = store_of(sandbox_app).webhooks.settings
    webhook.url = view["bearer_url"] if bearer else view["url"]
    webhook.headers = {"Authorization": view["authorization_header"]} if bearer else {}
    return view


async def settle(client: Client, sandbox_app: Litestar) -> None:
    """Callbacks sent, then every runnable job run (twice: checks queue deliveries)."""
    await store_of(sandbox_app).webhooks.drain()
    await drain(client)
    await drain(client)


async def deliveries(client: Client) -> list[DeliveryRow]:
    return sorted(await rows(client, DeliveryRow), key=lambda d: d.created_at)


async def jobs(client: Client, kind: str) -> list[JobRow]:
    return [j for j in await rows(client, JobRow) if j.kind == kind]


async def linked_case(client: Client, sandbox_app: Litestar, conv: str = "c1") -> str:
    await post_events(client, message(conv, "m1", "My invoice is wrong.", t=0))
    await settle(client, sandbox_app)
    row = await conversation(client, conv)
    assert row.case_created_at is not None
    return str(row.case_id)


async def reply(sandbox_http: httpx.AsyncClient, case_id: str, text: str) -> dict[str, Any]:
    response = await sandbox_http.post(f"/__sandbox/cases/{case_id}/replies", json={"text": text})
    assert response.status_code == 201, response.text
    activity: dict[str, Any] = response.json()
    return activity


async def set_status(sandbox_http: httpx.AsyncClient, case_id: str, name: str) -> None:
    response = await sandbox_http.post(f"/__sandbox/cases/{case_id}/status", json={"status_name": name})
    assert response.status_code == 200, response.text


async def set_fields(sandbox_http: httpx.AsyncClient, case_id: str, fields: dict[str, Any]) -> None:
    """An agent edits case columns in the sandbox (then Creatio's business process calls the webhook)."""
    response = await sandbox_http.post(f"/__sandbox/cases/{case_id}/fields", json={"fields": fields})
    assert response.status_code == 200, response.text
