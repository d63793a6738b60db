"""Chatwoot as a chat platform connector (app/ports/chat_platforms.py): signed webhooks in, the
application API out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

import httpx

from app.adapters.chatwoot import signature, webhooks
from app.adapters.chatwoot.api import ChatwootApi
from app.adapters.chatwoot.checks import check_base_url, run_checks
from app.adapters.chatwoot.config import PLATFORM, ChatwootSettings, display_id_of
from app.domain.crm_updates import ChatNotice, DeliveryOutcome
from app.ports.chat_platforms import CheckResult, ConnectorConfig, Translation


class ChatwootPlatform:
    name: str = PLATFORM
    events_to_subscribe: tuple[str, ...] = webhooks.EVENTS

    def __init__(
        self, http: httpx.AsyncClient, *, timeout_seconds: float, allow_insecure_loopback: bool
    ) -> None:
        self._api = ChatwootApi(http, timeout_seconds=timeout_seconds)
        self._allow_loopback = allow_insecure_loopback

    def verify(self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes, now: float) -> None:
        signature.verify(headers, body, ChatwootSettings.of(config).webhook_secrets, now)

    def translate(self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes) -> Translation:
        return webhooks.translate(ChatwootSettings.of(config), headers, body)

    async def send(self, config: ConnectorConfig, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome:
        display_id = display_id_of(notice.conversation_id)
        if display_id is None:
            return DeliveryOutcome(
                False, False, error=f"{notice.conversation_id!r} is not a Chatwoot conversation"
            )
        return await self._api.deliver(ChatwootSettings.of(config), notice, display_id)

    async def test(self, config: ConnectorConfig) -> Sequence[CheckResult]:
        url = check_base_url(
            str(config.settings.get("base_url", "")), allow_insecure_loopback=self._allow_loopback
        )
        if url.state == "failed":
            return [url]
        return [url, *await run_checks(self._api, ChatwootSettings.of(config))]
