"""Builds the chat platform connectors: the platforms Casebridge knows (one package each under
app/adapters/), the saved connectors, and the Chatwoot connector seeded from the environment."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack, suppress
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
    *,
    extra: tuple[ChatPlatform, ...] = (),
) -> ChatPlatforms:
    """Chatwoot, and `extra` platforms (a new platform's package is registered here, as Chatwoot is)."""
    if http is None:
        http = httpx.AsyncClient(follow_redirects=False)
        stack.push_async_callback(http.aclose)
    chatwoot = ChatwootPlatform(
        http,
        timeout_seconds=settings.chat_delivery_timeout_seconds,
        allow_insecure_loopback=settings.is_development,
    )
    platforms: dict[str, ChatPlatform] = {p.name: p for p in (chatwoot, *extra)}
    connectors = ChatConnectorStore(sessions, box)
    seed = chatwoot_seed(settings)
    if seed is not None:
        only_if_absent = not settings.chatwoot_seed_overwrites
        if await connectors.save(seed, verified=False, only_if_absent=only_if_absent):
            logger.info("chatwoot connector seeded from the environment", extra={"connector_id": seed.id})
            _verify_in_background(chatwoot, connectors, seed.id, stack)
    return ChatPlatforms(platforms, connectors)


def _verify_in_background(
    platform: ChatPlatform, connectors: ChatConnectorStore, connector_id: str, stack: AsyncExitStack
) -> None:
    """The seed's Test & Save checks, run once after the start; the outcome is logged (as the Creatio
    connection's seed is)."""

    async def verify() -> None:
        config = await connectors.get(connector_id)
        if config is None:
            return
        failed = next((c for c in await platform.test(config) if c.state == "failed"), None)
        if failed is None:
            await connectors.mark_verified(connector_id)
            logger.info(
                "chatwoot connector from the environment verified", extra={"connector_id": connector_id}
            )
            return
        problem = {"check": failed.name, "problem": failed.message, "hint": failed.hint}
        logger.error("chatwoot connector from the environment failed its test", extra=problem)

    task = asyncio.create_task(verify(), name="casebridge-chatwoot-seed-check")

    async def stop() -> None:
        task.cancel()
        with suppress(asyncio.CancelledError, Exception):  # its outcome was logged (or is moot now)
            await task

    stack.push_async_callback(stop)


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
