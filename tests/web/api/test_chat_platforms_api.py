"""The admin API of chat connectors: Test & Save a Chatwoot connector, read it back without secrets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.dev.chatwoot import payloads as cw
from app.dev.chatwoot.emulator import API_TOKEN, BASE_URL, WEBHOOK_SECRET, ChatwootEmulator
from app.settings import Settings
from tests.support.casebridge import Client, connected_settings
from tests.support.chatwoot.casebridge import chatwoot_app, chatwoot_settings

PATH = "/api/v1/admin/chat-platforms/chatwoot/chatwoot"
FORM = {
    "base_url": BASE_URL,
    "account_id": cw.ACCOUNT_ID,
    "api_access_token": API_TOKEN,
    "webhook_secret": WEBHOOK_SECRET,
}


@pytest.fixture
async def client(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> AsyncIterator[Client]:
    async with chatwoot_app(connected_settings(settings), sandbox_http, chatwoot) as client:
        yield client


async def test_put_tests_and_saves_and_get_never_returns_a_secret(client: Client) -> None:
    assert (await client.get(PATH)).status_code == 404
    tested = (await client.post(f"{PATH}/test", json=FORM)).json()
    assert (tested["ok"], tested["saved"]) == (True, False)
    assert (await client.get(PATH)).status_code == 404
    report = (await client.put(PATH, json=FORM)).json()
    assert (report["ok"], report["saved"]) == (True, True)
    assert report["webhook_url"].endswith("/webhooks/chatwoot/chatwoot")
    assert report["events"] == ["message_created", "conversation_status_changed"]
    view = await client.get(PATH)
    assert view.status_code == 200
    body = view.json()
    assert body["settings"] == {
        "base_url": BASE_URL,
        "account_id": cw.ACCOUNT_ID,
        "inbox_id": None,
        "handoff_summary": "last_bot_message",
    }
    assert body["secrets_set"] == {"api_access_token": True, "webhook_secret": True}
    assert API_TOKEN not in view.text
    assert WEBHOOK_SECRET not in view.text


async def test_a_failing_check_saves_nothing_and_a_bad_body_is_400(client: Client) -> None:
    report = (await client.put(PATH, json=FORM | {"api_access_token": "wrong"})).json()
    assert (report["ok"], report["saved"]) == (False, False)
    assert (await client.get(PATH)).status_code == 404
    assert (await client.put(PATH, json=FORM | {"account_id": 0})).status_code == 400


async def test_a_token_is_never_sent_to_another_host_than_it_was_saved_for(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    async with chatwoot_app(chatwoot_settings(settings), sandbox_http, chatwoot) as client:
        moved = {"base_url": "https://elsewhere.test", "account_id": cw.ACCOUNT_ID}
        report = (await client.post(f"{PATH}/test", json=moved)).json()
    assert [c for c in chatwoot.calls if c.host == "elsewhere.test"] == []  # the emulator answers any host
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["api_access_token"]["state"] == "failed"
    assert "only for the same base URL" in checks["api_access_token"]["message"]
    assert checks["webhook_secret"]["state"] == "failed"
