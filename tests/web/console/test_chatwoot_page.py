"""Settings > Chat platforms > Chatwoot: Test & Save against the emulator, failures that say what to fix,
write-only secrets, and the webhook URL with the events to tick."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.dev.chatwoot import payloads as cw
from app.dev.chatwoot.emulator import API_TOKEN, BASE_URL, WEBHOOK_SECRET, ChatwootEmulator
from app.settings import Settings
from tests.support.casebridge import Client, connected_settings
from tests.support.chatwoot.casebridge import chatwoot_app
from tests.support.console import form_token, login

PAGE = "/console/settings/chatwoot"


@pytest.fixture
async def admin(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> AsyncIterator[Client]:
    """Logged in; no Chatwoot connector saved yet (nothing seeded)."""
    async with chatwoot_app(
        connected_settings(settings, public_url="https://cb.example"), sandbox_http, chatwoot
    ) as client:
        await login(client)
        yield client


async def submit(admin: Client, **fields: Any) -> httpx.Response:
    data = {"base_url": BASE_URL, "account_id": str(cw.ACCOUNT_ID), "inbox_id": "", "action": "save"} | fields
    return await admin.post(PAGE, data=data | {"csrf_token": await form_token(admin, PAGE)})


async def test_the_page_shows_the_webhook_url_and_the_events_to_tick(admin: Client) -> None:
    page = await admin.get(PAGE)
    assert page.status_code == 200
    assert "No Chatwoot connector is saved yet." in page.text
    assert 'value="https://cb.example/webhooks/chatwoot/chatwoot"' in page.text
    assert "<code>message_created</code> and <code>conversation_status_changed</code>" in page.text


async def test_test_and_save_checks_everything_saves_and_keeps_the_secrets_write_only(
    admin: Client, chatwoot: ChatwootEmulator
) -> None:
    response = await submit(
        admin, api_access_token=API_TOKEN, webhook_secret=WEBHOOK_SECRET, inbox_id=str(cw.INBOX_ID)
    )
    assert response.status_code == 200, response.text
    assert "Test &amp; Save passed" in response.text
    assert API_TOKEN not in response.text
    assert WEBHOOK_SECRET not in response.text
    assert [c.path for c in chatwoot.calls] == ["/api/v1/profile", "/api/v1/accounts/3/inboxes"]
    again = await submit(admin, inbox_id="")  # secrets left empty: the saved ones are kept
    assert "Test &amp; Save passed" in again.text
    sent = await chatwoot.post(cw.message_created(101, 42, "hello"))  # signed with the saved secret
    assert sent.status == 202


async def test_a_wrong_token_fails_saying_what_to_fix_and_saves_nothing(admin: Client) -> None:
    response = await submit(admin, api_access_token="wrong", webhook_secret=WEBHOOK_SECRET)
    assert response.status_code == 422
    assert "Not saved: fix the failed checks below" in response.text
    assert "Profile settings" in response.text
    assert "No Chatwoot connector is saved yet." in response.text


async def test_an_invalid_account_id_is_shown_in_the_form(admin: Client) -> None:
    response = await submit(
        admin, account_id="three", api_access_token=API_TOKEN, webhook_secret=WEBHOOK_SECRET
    )
    assert response.status_code == 422
    assert "Account ID: Input should be a valid integer" in response.text  # the form's label, not account_id


async def test_a_new_webhook_secret_rotates_the_old_one_which_still_passes(
    admin: Client, chatwoot: ChatwootEmulator
) -> None:
    await submit(admin, api_access_token=API_TOKEN, webhook_secret=WEBHOOK_SECRET)
    assert "Test &amp; Save passed" in (await submit(admin, webhook_secret="the-new-secret")).text
    old = await chatwoot.post(cw.message_created(101, 42, "signed with the old secret"))
    new = await chatwoot.post(cw.message_created(102, 42, "signed with the new one"), secret="the-new-secret")
    wrong = await chatwoot.post(cw.message_created(103, 42, "forged"), secret="never-saved")
    assert (old.status, new.status, wrong.status) == (202, 202, 401)


async def test_the_settings_index_lists_the_chatwoot_connector(admin: Client) -> None:
    assert "not connected yet" in (await admin.get("/console/settings")).text.split('id="chat-platforms"')[1]
    await submit(admin, api_access_token=API_TOKEN, webhook_secret=WEBHOOK_SECRET)
    index = (await admin.get("/console/settings")).text.split('id="chat-platforms"')[1]
    assert f"connected to <code>{BASE_URL}</code>, account {cw.ACCOUNT_ID}" in index
    crumbs = (await admin.get(PAGE)).text.split('class="breadcrumb">')[1].split("</nav>")[0]
    assert '<a href="/console/settings#chat-platforms">Chat platforms</a>' in crumbs


async def test_the_health_page_lists_the_saved_chat_connectors(admin: Client) -> None:
    assert "none (Settings: Chatwoot)" in (await admin.get("/console/health")).text
    await submit(admin, api_access_token=API_TOKEN, webhook_secret=WEBHOOK_SECRET)
    assert (await admin.get("/api/v1/admin/health")).json()["chat_connectors"] == ["chatwoot chatwoot"]
    assert "<dd>chatwoot chatwoot</dd>" in (await admin.get("/console/health")).text
