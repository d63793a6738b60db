"""`make run`, Creatio to chat: the sandbox's process calls Casebridge; replies go to /dev/chat-inbox."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn
from litestar import Litestar

from app.sandbox.ids import SandboxIds
from app.sandbox.store import SandboxStore
from app.settings import Settings

logger = logging.getLogger(__name__)


def dev_reverse_settings(base: Settings, port: int) -> dict[str, Any]:
    """The built-in chat inbox unless CASEBRIDGE_CHAT_WEBHOOK_URL is set; the sandbox's technical user."""
    return {
        "dev_chat_inbox": True,
        "chat_webhook_url": base.chat_webhook_url or f"http://127.0.0.1:{port}/dev/chat-inbox",
        "creatio_integration_contact_id": base.creatio_integration_contact_id or SandboxIds.TECH_CONTACT,
    }


async def connect_business_process(casebridge: Litestar, server: uvicorn.Server, sandbox: Litestar) -> None:
    """Once Casebridge serves, point the sandbox's callbacks at its webhook (token as a Bearer header)."""
    for _ in range(1200):
        if server.started or server.should_exit:
            break
        await asyncio.sleep(0.05)
    if not server.started:
        return
    reverse = casebridge.state.services.runtime.reverse
    token = await reverse.tokens.current()
    store: SandboxStore = sandbox.state.sandbox
    config = server.config
    store.webhooks.settings.url = f"http://{config.host}:{config.port}/webhooks/creatio"
    store.webhooks.settings.headers = {"Authorization": f"Bearer {token.value}"}
    logger.info("sandbox business process calls the Casebridge webhook", extra={"port": config.port})
