"""The echo guard: what Casebridge wrote to a case never comes back to the chat, even as a reply type."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from app.settings import Settings
from tests.support.casebridge import Client, post_events, store_of
from tests.support.chat_platform import FakeChatPlatform
from tests.support.crm_to_chat import connect_webhook, crm_to_chat_settings, linked_case, reply, settle
from tests.support.events import handoff, message


@pytest.fixture
def app_settings(settings: Settings, chat_platform: FakeChatPlatform) -> Settings:
    """Replies are Email *and* Task activities, and no technical-user filter: only the stored ids guard."""
    return crm_to_chat_settings(
        settings, chat_platform, reply_activity_types="Email, Task", creatio_integration_contact_id=None
    )


async def test_casebridge_own_activities_never_come_back(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    view = await connect_webhook(client, sandbox_app)
    await post_events(
        client,
        message("c1", "m2", "Let me look at that.", author="ai", t=10),
        handoff("c1", "Customer disputes an invoice", t=20),
    )
    await settle(client, sandbox_app)
    ours = [a for a in store_of(sandbox_app).rows("Activity") if str(a["CaseId"]) == case_id]
    assert len(ours) == 3  # Task activities: the type is configured as a reply type here
    response = await client.post(view["url"], json={"event_type": "new_activity", "caseId": case_id})
    assert response.status_code == 202
    await settle(client, sandbox_app)
    assert chat_platform.received == []
    await reply(sandbox_http, case_id, "An agent's answer")
    await settle(client, sandbox_app)
    assert [r.json["message"]["text"] for r in chat_platform.accepted] == ["An agent's answer"]
