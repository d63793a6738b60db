"""Sends each notice through its conversation's connector: Casebridge's own signed delivery for
conversations that came through `POST /api/v1/events`, the platform's API for a chat connector's."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from app.domain.crm_updates import ChatNotice, DeliveryOutcome
from app.pipeline.crm_to_chat.delivery import NO_URL
from app.ports.chat_platforms import ChatConnectorSource, ChatPlatform
from app.ports.external import ChatPort


class ChatRouter:
    """A ChatPort over every connector; what it cannot send is reported, as a refusal, never raised."""

    def __init__(
        self, native: ChatPort | None, connectors: ChatConnectorSource, platforms: Mapping[str, ChatPlatform]
    ) -> None:
        self._native = native
        self._connectors = connectors
        self._platforms = platforms

    async def send(self, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome:
        if notice.connector_id is None:
            if self._native is None:
                return DeliveryOutcome(False, False, error=NO_URL)
            return await self._native.send(delivery_id, notice)
        config = await self._connectors.get(notice.connector_id)
        platform = self._platforms.get(config.platform) if config is not None else None
        if config is None or platform is None:
            error = (
                f"the chat connector {notice.connector_id!r} this conversation came through is not saved "
                "any more: save it again under Settings > Chat platforms, then retry this delivery"
            )
            return DeliveryOutcome(False, False, error=error)
        return await platform.send(config, delivery_id, notice)
