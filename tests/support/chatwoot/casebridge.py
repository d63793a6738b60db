"""Casebridge under test with a Chatwoot connector seeded from the environment, the emulator as Chatwoot
and the sandbox as Creatio (its business process calling Casebridge's webhook)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar.testing import AsyncTestClient
from pydantic import SecretStr

from app.asgi import Adapters, create_app
from app.dev.chatwoot import payloads
from app.dev.chatwoot.emulator import API_TOKEN, BASE_URL, WEBHOOK_SECRET, ChatwootEmulator, WebhookSink
from app.settings import Settings
from tests.support.casebridge import ADMIN_TOKEN, Client, connected_settings
from tests.support.crm_to_chat import TECH_CONTACT


def chatwoot_settings(settings: Settings, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "chatwoot_base_url": BASE_URL,
        "chatwoot_account_id": payloads.ACCOUNT_ID,
        "chatwoot_api_access_token": SecretStr(API_TOKEN),
        "chatwoot_webhook_secret": SecretStr(WEBHOOK_SECRET),
        "creatio_integration_contact_id": TECH_CONTACT,
        "retry_base_seconds": 0.05,
        "retry_max_seconds": 0.05,
    }
    return connected_settings(settings, **(values | overrides))


@asynccontextmanager
async def chatwoot_app(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> AsyncIterator[Client]:
    """The app under test with the emulator as Chatwoot (its API and its webhooks) and the admin token."""
    async with httpx.AsyncClient(transport=chatwoot) as chat_http:
        app = create_app(settings, Adapters(creatio_http=sandbox_http, chat_http=chat_http))
        async with AsyncTestClient(app=app) as client:
            client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            chatwoot.sink = test_client_sink(client)
            yield client
            chatwoot.sink = None


def test_client_sink(client: Client) -> WebhookSink:
    """Chatwoot's webhooks into the app under test."""

    async def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        response = await client.post(path, content=body, headers=headers)
        answer: dict[str, Any] = response.json()
        return response.status_code, answer

    return post
