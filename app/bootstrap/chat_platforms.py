"""Builds the chat platform connectors: the platforms Casebridge knows (one package each under
app/adapters/), the saved connectors, and the Chatwoot connector seeded from the environment."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx

from app.adapters.chatwoot import ChatwootPlatform
from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.stores.chat_connectors import ChatConnectorStore
from app.ports.chat_platforms import ChatPlatform, ConnectorConfig
from app.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatPlatforms:
    platforms: dict[str, ChatPlatform]
    connectors: ChatConnectorStore


async def build_chat_platforms(
    settings: Settings,
    sessions: SessionFactory,
    box: SecretBox,
    http: httpx.AsyncClient | None,
    stack: AsyncExitStack,
) -> ChatPlatforms:
    if http is None:
        http = httpx.AsyncClient(follow_redirects=False)
        stack.push_async_callback(http.aclose)
    chatwoot = ChatwootPlatform(
        http,
        timeout_seconds=settings.chat_delivery_timeout_seconds,
        allow_insecure_loopback=settings.is_development,
    )
    platforms: dict[str, ChatPlatform] = {chatwoot.name: chatwoot}
    connectors = ChatConnectorStore(sessions, box)
    seed = chatwoot_seed(settings)
    if seed is not None:
        only_if_absent = not settings.chatwoot_seed_overwrites
        if await connectors.save(seed, verified=False, only_if_absent=only_if_absent):
            logger.info("chatwoot connector seeded from the environment", extra={"connector_id": seed.id})
    return ChatPlatforms(platforms, connectors)


def chatwoot_seed(settings: Settings) -> ConnectorConfig | None:
    if not settings.has_chatwoot_seed:
        return None
    assert settings.chatwoot_api_access_token
    assert settings.chatwoot_webhook_secret
    return ConnectorConfig(
        id=settings.chatwoot_connector_id,
        platform="chatwoot",
        settings={
            "base_url": settings.chatwoot_base_url,
            "account_id": settings.chatwoot_account_id,
            "inbox_id": settings.chatwoot_inbox_id,
            "handoff_summary": settings.chatwoot_handoff_summary,
        },
        secrets={
            "api_access_token": settings.chatwoot_api_access_token.get_secret_value(),
            "webhook_secret": settings.chatwoot_webhook_secret.get_secret_value(),
        },
    )
