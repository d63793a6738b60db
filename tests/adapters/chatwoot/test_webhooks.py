"""Every Chatwoot webhook Casebridge maps, as Chatwoot shapes it (app/dev/chatwoot/payloads.py), and
those it ignores or refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.adapters.chatwoot.config import ChatwootSettings, display_id_of
from app.adapters.chatwoot.webhooks import translate
from app.dev.chatwoot import payloads as cw
from app.domain.events import (
    AgentMessageCreated,
    ConversationReopened,
    ConversationResolved,
    HandoffRequested,
    MessageCreated,
)
from app.ports.chat_platforms import ConnectorConfig, InvalidWebhook, Translation

SETTINGS = ChatwootSettings.of(
    ConnectorConfig(
        "cw1",
        "chatwoot",
        {"base_url": "https://chatwoot.test/", "account_id": cw.ACCOUNT_ID},
        {"webhook_secret": "x"},
    )
)
DELIVERY = {"x-chatwoot-delivery": "d-1", "x-chatwoot-timestamp": "1800000000"}


def run(payload: dict[str, Any], settings: ChatwootSettings = SETTINGS) -> Translation:
    return translate(settings, DELIVERY, json.dumps(payload).encode())


def test_an_incoming_message_is_the_customers_with_contact_url_and_the_delivery_as_event_id() -> None:
    event = run(cw.message_created(101, 42, "My invoice is wrong", t=5)).event
    assert isinstance(event, MessageCreated)
    assert event.id == "chatwoot:cw1:d-1"
    assert (event.message.id, event.message.author, event.message.text) == (
        "101",
        "customer",
        "My invoice is wrong",
    )
    assert event.message.sent_at == cw.at(5)
    conversation = event.conversation
    assert conversation.id == "chatwoot:cw1:42"
    assert display_id_of(conversation.id) == 42
    assert str(conversation.url) == "https://chatwoot.test/app/accounts/3/conversations/42"
    customer = conversation.customer
    assert (customer.name, customer.email, customer.phone) == (
        "Ada Lovelace",
        "ada@example.com",
        "+441234567890",
    )


@pytest.mark.parametrize("bot", [cw.BOT, cw.CAPTAIN, None], ids=["agent_bot", "captain", "automation"])
def test_an_outgoing_message_of_a_bot_captain_or_automation_is_the_ai_side(
    bot: dict[str, Any] | None,
) -> None:
    translation = run(cw.message_created(102, 42, "Let me check that.", kind="outgoing", sender=bot))
    assert isinstance(translation.event, MessageCreated)
    assert translation.event.message.author == "ai"
    assert translation.platform_message_id == "102"


def test_an_outgoing_message_of_a_human_agent_is_an_agent_message() -> None:
    translation = run(cw.message_created(103, 42, "Hi Ada, Maria here.", kind="outgoing", sender=cw.AGENT))
    assert isinstance(translation.event, AgentMessageCreated)
    assert (translation.event.message.author, translation.event.message.text) == (
        "agent",
        "Hi Ada, Maria here.",
    )
    assert translation.platform_message_id == "103"


def test_attachments_are_listed_with_their_urls() -> None:
    files = [
        cw.attachment(1, 104, "image", "https://chatwoot.test/rails/active_storage/blobs/a.png"),
        cw.attachment(2, 104, "file", "https://chatwoot.test/rails/active_storage/blobs/b.pdf"),
    ]
    event = run(cw.message_created(104, 42, "Here is the invoice", attachments=files)).event
    assert isinstance(event, MessageCreated)
    assert event.message.text == (
        "Here is the invoice\n\nAttachments:\n"
        "- image: https://chatwoot.test/rails/active_storage/blobs/a.png\n"
        "- file: https://chatwoot.test/rails/active_storage/blobs/b.pdf"
    )
    only_file = run(cw.message_created(105, 42, None, attachments=files[:1])).event
    assert isinstance(only_file, MessageCreated)
    assert only_file.message.text.startswith("Attachments:\n- image: ")


def test_pending_to_open_is_the_handoff_with_the_bots_last_message_as_summary() -> None:
    last = cw.push_message(
        106, 42, "I am handing you to a colleague about invoice AB-1.", "outgoing", cw.BOT, 9
    )
    event = run(cw.status_changed(42, "pending", "open", last_message=last, t=10)).event
    assert isinstance(event, HandoffRequested)
    assert (
        event.handoff.summary
        == "The Chatwoot bot handed over with: I am handing you to a colleague about invoice AB-1."
    )
    assert event.occurred_at == cw.at(10)
    customer_last = cw.push_message(107, 42, "human please", "incoming", cw.CONTACT, 9)
    plain = run(cw.status_changed(42, "pending", "open", last_message=customer_last, t=10)).event
    assert isinstance(plain, HandoffRequested)
    assert plain.handoff.summary == "The Chatwoot bot handed the conversation to a human agent."


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ("open", "resolved", ConversationResolved),
        ("pending", "resolved", ConversationResolved),
        ("resolved", "open", ConversationReopened),
        ("resolved", "pending", ConversationReopened),  # a bot inbox reopens as pending
    ],
)
def test_resolutions_and_reopens(before: str, after: str, kind: type) -> None:
    assert isinstance(run(cw.status_changed(42, before, after)).event, kind)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (
            cw.message_created(110, 42, "internal", kind="outgoing", sender=cw.AGENT, private=True),
            "private note",
        ),
        (cw.message_created(111, 42, "Conversation was resolved", kind="activity"), "activity"),
        (cw.status_changed(42, "open", "snoozed"), "from open to snoozed"),
        (cw.conversation(42) | {"event": "conversation_created"}, "conversation_created is not used"),
        (cw.message_created(112, 42, "x") | {"event": "message_updated"}, "message_updated is not used"),
        (cw.message_created(113, 42, "   "), "without text"),
        (cw.message_created(114, 42, "x") | {"account": {"id": 99, "name": "other"}}, "account 99"),
    ],
)
def test_webhooks_casebridge_does_not_use_are_ignored_with_the_reason(
    payload: dict[str, Any], reason: str
) -> None:
    translation = run(payload)
    assert translation.event is None
    assert reason in (translation.ignored or "")


def test_the_inbox_filter_keeps_one_inbox() -> None:
    config = ConnectorConfig(
        "cw1", "chatwoot", {"base_url": "https://chatwoot.test", "account_id": 3, "inbox_id": 8}, {}
    )
    translation = run(cw.message_created(115, 42, "hello"), ChatwootSettings.of(config))
    assert translation.event is None
    assert "inbox 7" in (translation.ignored or "")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("event"), "event"),
        (lambda p: p.update(id="x"), "id"),
        (lambda p: p.update(message_type="sideways"), "message_type"),
        (lambda p: p.update(conversation=None), "conversation"),
        (lambda p: p["conversation"].update(id=None), "conversation.id"),
        (lambda p: p.update(created_at="yesterday"), "created_at"),
        (lambda p: p.update(attachments=[{"file_type": "image"}]), "attachments.0.data_url"),
        (lambda p: p.update(content="a\u0000b"), "content"),
    ],
)
def test_malformed_webhooks_are_refused_naming_the_field(change: Any, field: str) -> None:
    payload = cw.message_created(120, 42, "hello")
    change(payload)
    with pytest.raises(InvalidWebhook) as raised:
        run(payload)
    assert raised.value.field == field


def test_a_body_that_is_not_json_is_refused() -> None:
    with pytest.raises(InvalidWebhook, match="not JSON"):
        translate(SETTINGS, DELIVERY, b"<html>")


def test_an_odd_contact_email_is_left_out_rather_than_refusing_the_message() -> None:
    payload = cw.message_created(121, 42, "hello")
    payload["conversation"]["meta"]["sender"] = cw.CONTACT | {"email": "not an email"}
    event = run(payload).event
    assert event is not None
    assert event.conversation.customer.email is None
    assert event.conversation.customer.name == "Ada Lovelace"


def test_the_help_centres_sample_shapes_are_read_too() -> None:
    """Its sample payload writes the id as a string and the time as '2020-03-03 13:05:57 UTC'."""
    payload = cw.message_created(101, 42, "Hi") | {"id": "101", "created_at": "2026-12-01 10:00:05 UTC"}
    event = run(payload).event
    assert isinstance(event, MessageCreated)
    assert (event.message.id, event.message.sent_at) == ("101", cw.at(5))
