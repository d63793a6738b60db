"""Each notice goes out through its conversation's connector: Casebridge's own delivery, or the platform's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from app.domain.crm_updates import ChatNotice
from app.pipeline.crm_to_chat.delivery import NO_URL
from app.pipeline.crm_to_chat.routing import ChatRouter
from app.ports.chat_platforms import ConnectorConfig
from tests.support.in_memory import InMemoryChat, InMemoryChatConnectors, RecordingChatPlatform

NOTICE = ChatNotice(
    kind="agent.replied",
    conversation_id="c1",
    occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
    case_id=uuid4(),
    case_number=None,
    text="Hi",
)


def router(native: InMemoryChat | None, platform: RecordingChatPlatform) -> ChatRouter:
    connectors = InMemoryChatConnectors(ConnectorConfig("cw", platform.name, {}, {}))
    return ChatRouter(native, connectors, {platform.name: platform})


async def test_a_conversation_without_connector_uses_casebridges_own_delivery() -> None:
    native, platform = InMemoryChat(), RecordingChatPlatform()
    assert (await router(native, platform).send(uuid4(), NOTICE)).delivered
    assert native.accepted == [NOTICE]
    assert platform.sent == []


async def test_a_connectors_conversation_goes_through_its_platform_with_its_config() -> None:
    native, platform = InMemoryChat(), RecordingChatPlatform()
    notice = replace(NOTICE, connector_id="cw")
    assert (await router(native, platform).send(uuid4(), notice)).delivered
    assert platform.sent == [("cw", notice)]
    assert native.sent == []


async def test_without_a_url_or_with_a_connector_gone_the_delivery_fails_saying_what_to_do() -> None:
    platform = RecordingChatPlatform()
    no_url = await router(None, platform).send(uuid4(), NOTICE)
    assert (no_url.delivered, no_url.retryable, no_url.error) == (False, False, NO_URL)
    gone = await router(None, platform).send(uuid4(), replace(NOTICE, connector_id="deleted"))
    assert (gone.delivered, gone.retryable) == (False, False)
    assert "Settings > Chat platforms" in (gone.error or "")
