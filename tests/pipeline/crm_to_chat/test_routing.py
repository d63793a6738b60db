"""Each notice goes out through its conversation's connector: Casebridge's own delivery, or the platform's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID, uuid4

from app.domain.crm_updates import ChatNotice, DeliveryOutcome
from app.pipeline.crm_to_chat.delivery import NO_URL
from app.pipeline.crm_to_chat.routing import ChatRouter
from app.ports.chat_platforms import CheckResult, ConnectorConfig, Translation

NOTICE = ChatNotice(
    kind="agent.replied",
    conversation_id="c1",
    occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
    case_id=uuid4(),
    case_number=None,
    text="Hi",
)
CONNECTOR = ConnectorConfig("cw", "recording", {}, {})


class Recording:
    """A chat port and a platform that record what they were given."""

    name = "recording"
    events_to_subscribe: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.sent: list[tuple[str | None, ChatNotice]] = []

    async def send(self, *args: object) -> DeliveryOutcome:
        config = args[0] if isinstance(args[0], ConnectorConfig) else None
        notice = args[-1]
        assert isinstance(notice, ChatNotice)
        self.sent.append((config.id if config else None, notice))
        return DeliveryOutcome(True, False, 200)

    def verify(
        self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes, now: float
    ) -> None: ...

    def translate(self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes) -> Translation:
        return Translation()

    async def test(self, config: ConnectorConfig) -> Sequence[CheckResult]:
        return []


class Connectors:
    async def get(self, connector_id: str) -> ConnectorConfig | None:
        return CONNECTOR if connector_id == CONNECTOR.id else None


def router(native: Recording | None, platform: Recording) -> ChatRouter:
    return ChatRouter(native, Connectors(), {"recording": platform})


async def test_a_conversation_without_connector_uses_casebridges_own_delivery() -> None:
    native, platform = Recording(), Recording()
    assert (await router(native, platform).send(uuid4(), NOTICE)).delivered
    assert native.sent == [(None, NOTICE)]
    assert platform.sent == []


async def test_a_connectors_conversation_goes_through_its_platform_with_its_config() -> None:
    native, platform = Recording(), Recording()
    notice = replace(NOTICE, connector_id="cw")
    assert (await router(native, platform).send(uuid4(), notice)).delivered
    assert platform.sent == [("cw", notice)]
    assert native.sent == []


async def test_without_a_url_or_with_a_connector_gone_the_delivery_fails_saying_what_to_do() -> None:
    platform = Recording()
    no_url = await router(None, platform).send(uuid4(), NOTICE)
    assert (no_url.delivered, no_url.retryable, no_url.error) == (False, False, NO_URL)
    gone = await router(None, platform).send(UUID(int=1), replace(NOTICE, connector_id="deleted"))
    assert (gone.delivered, gone.retryable) == (False, False)
    assert "Settings > Chat platforms" in (gone.error or "")
