"""The connector seam holds a second platform: one registered beside Chatwoot gets its own webhook URL,
the same intake, and its conversations' notices through its own `send` (here a recording fake)."""

from __future__ import annotations

import httpx
from litestar.testing import AsyncTestClient
from sqlmodel import select

from app.asgi import Adapters, create_app
from app.db.tables import ConversationRow, InboundEventRow
from app.domain.events import CHAT_EVENT
from app.ports.chat_platforms import ConnectorConfig, Translation
from app.settings import Settings
from tests.support.casebridge import connected_settings
from tests.support.events import message
from tests.support.in_memory import RecordingChatPlatform


async def test_a_second_platform_plugs_in_with_one_registration(
    settings: Settings, sandbox_http: httpx.AsyncClient
) -> None:
    platform = RecordingChatPlatform("recording")
    platform.translation = Translation(
        CHAT_EVENT.validate_python(message("rec-1", "m1", "Hello from elsewhere"))
    )
    app = create_app(
        connected_settings(settings), Adapters(creatio_http=sandbox_http, chat_platforms=(platform,))
    )
    async with AsyncTestClient(app=app) as client:
        runtime = client.app.state.runtime
        await runtime.chat_platforms.connectors.save(
            ConnectorConfig("r1", "recording", {}, {}), verified=True
        )
        accepted = await client.post("/webhooks/recording/r1", content=b"{}")
        assert (accepted.status_code, accepted.json()["status"]) == (202, "accepted")
        platform.refusal = "wrong signature"
        refused = await client.post("/webhooks/recording/r1", content=b"{}")
        assert (refused.status_code, refused.json()["detail"]) == (401, "wrong signature")
        async with client.app.state.services.sessions() as session:
            [conversation] = (await session.exec(select(ConversationRow))).all()
            [event] = (await session.exec(select(InboundEventRow))).all()
    assert (conversation.external_id, conversation.connector_id) == ("rec-1", "r1")
    assert event.body == "{}"  # the platform's own body, kept verbatim
