"""Chatwoot's API as Casebridge uses it, against the emulator: replies and status changes, how each answer
is classified, and Test & Save's checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from app.adapters.chatwoot import ChatwootPlatform
from app.dev.chatwoot import payloads as cw
from app.dev.chatwoot.emulator import API_TOKEN, BASE_URL, WEBHOOK_SECRET, ChatwootEmulator
from app.domain.crm_updates import ChatNotice
from app.ports.chat_platforms import ConnectorConfig


@pytest.fixture
async def platform(chatwoot: ChatwootEmulator) -> AsyncIterator[ChatwootPlatform]:
    chatwoot.statuses[42] = "open"  # conversation 42 exists in Chatwoot
    async with httpx.AsyncClient(transport=chatwoot) as http:
        yield ChatwootPlatform(http, timeout_seconds=1.0, allow_insecure_loopback=False)


def config(**changes: Any) -> ConnectorConfig:
    settings = {"base_url": BASE_URL, "account_id": cw.ACCOUNT_ID, "inbox_id": None} | changes.pop(
        "settings", {}
    )
    secrets = {"api_access_token": API_TOKEN, "webhook_secret": WEBHOOK_SECRET} | changes.pop("secrets", {})
    return ConnectorConfig("chatwoot", "chatwoot", settings, secrets)


def notice(kind: str = "agent.replied", conversation: str = "chatwoot:chatwoot:42") -> ChatNotice:
    return ChatNotice(
        kind=kind,  # type: ignore[arg-type]
        conversation_id=conversation,
        occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
        case_id=uuid4(),
        case_number="SR1",
        activity_id=uuid4(),
        text="We refunded the difference.",
        author_name="Maria Lopez",
        connector_id="chatwoot",
    )


async def test_a_reply_is_an_outgoing_message_and_its_id_is_kept(
    platform: ChatwootPlatform, chatwoot: ChatwootEmulator
) -> None:
    outcome = await platform.send(config(), uuid4(), notice())
    assert (outcome.delivered, outcome.status) == (True, 200)
    [call] = chatwoot.calls
    assert (call.method, call.path, call.token) == (
        "POST",
        "/api/v1/accounts/3/conversations/42/messages",
        API_TOKEN,
    )
    assert call.body == {
        "content": "We refunded the difference.",
        "message_type": "outgoing",
        "private": False,
    }
    assert outcome.platform_message_id == str(chatwoot.messages[42][0]["id"])


@pytest.mark.parametrize(
    ("kind", "status"), [("conversation.resolved", "resolved"), ("conversation.reopened", "open")]
)
async def test_resolution_and_reopen_toggle_the_conversations_status(
    platform: ChatwootPlatform, chatwoot: ChatwootEmulator, kind: str, status: str
) -> None:
    outcome = await platform.send(config(), uuid4(), notice(kind))
    assert outcome.delivered
    [call] = chatwoot.calls
    assert (call.path, call.body) == ("/api/v1/accounts/3/conversations/42/toggle_status", {"status": status})


@pytest.mark.parametrize("fault", [429, 500, 502, 503, 408, "timeout"])
async def test_throttling_server_errors_and_timeouts_are_retried(
    platform: ChatwootPlatform, chatwoot: ChatwootEmulator, fault: int | str
) -> None:
    chatwoot.faults = [fault]
    outcome = await platform.send(config(), uuid4(), notice())
    assert (outcome.delivered, outcome.retryable) == (False, True)


async def test_a_refused_token_fails_the_delivery_saying_what_to_fix(
    platform: ChatwootPlatform, chatwoot: ChatwootEmulator
) -> None:
    outcome = await platform.send(config(secrets={"api_access_token": "revoked"}), uuid4(), notice())
    assert (outcome.delivered, outcome.retryable, outcome.status) == (False, False, 401)
    assert "Profile settings" in (outcome.error or "")
    assert "Settings > Chat platforms > Chatwoot" in (outcome.error or "")
    assert "revoked" not in (outcome.error or "")


async def test_an_unknown_conversation_or_account_fails_the_delivery_saying_what_to_check(
    platform: ChatwootPlatform, chatwoot: ChatwootEmulator
) -> None:
    outcome = await platform.send(config(settings={"account_id": 99}), uuid4(), notice())
    assert (outcome.delivered, outcome.retryable, outcome.status) == (False, False, 404)
    assert "no conversation 42 in account 99" in (outcome.error or "")
    deleted = await platform.send(config(), uuid4(), notice(conversation="chatwoot:chatwoot:77"))
    assert (deleted.delivered, deleted.retryable, deleted.status) == (False, False, 404)
    assert "no conversation 77 in account 3" in (deleted.error or "")


async def test_a_status_outside_chatwoots_enum_is_refused(chatwoot: ChatwootEmulator) -> None:
    chatwoot.statuses[42] = "open"
    async with httpx.AsyncClient(transport=chatwoot, base_url=BASE_URL) as http:
        path = f"/api/v1/accounts/{cw.ACCOUNT_ID}/conversations/42/toggle_status"
        refused = await http.post(path, json={"status": "closed"}, headers={"api_access_token": API_TOKEN})
        resolved = await http.post(path, json={"status": "resolved"}, headers={"api_access_token": API_TOKEN})
    assert (refused.status_code, resolved.status_code) == (422, 200)
    assert chatwoot.statuses[42] == "resolved"


async def test_test_and_save_passes_every_check_of_a_good_setup(platform: ChatwootPlatform) -> None:
    results = await platform.test(config(settings={"inbox_id": cw.INBOX_ID}))
    assert [(r.name, r.state) for r in results] == [
        ("base_url", "passed"),
        ("webhook_secret", "passed"),
        ("api_access_token", "passed"),
        ("account", "passed"),
        ("inbox", "passed"),
    ]


@pytest.mark.parametrize(
    ("changes", "failed", "hint"),
    [
        ({"secrets": {"api_access_token": "wrong"}}, "api_access_token", "Profile settings"),
        ({"settings": {"account_id": 99}}, "api_access_token", "/app/accounts/<id>"),
        ({"settings": {"inbox_id": 8}}, "inbox", "7 (Website)"),
        ({"secrets": {"webhook_secret": ""}}, "webhook_secret", "Integrations > Webhooks"),
        ({"settings": {"base_url": "http://chatwoot.test"}}, "base_url", "https://"),
    ],
)
async def test_test_and_save_names_the_failing_check_and_what_to_fix(
    platform: ChatwootPlatform, changes: dict[str, Any], failed: str, hint: str
) -> None:
    results = {r.name: r for r in await platform.test(config(**changes))}
    assert results[failed].state == "failed"
    assert hint in (results[failed].hint or "") + results[failed].message
