"""Chatwoot's webhook payloads, shaped as Chatwoot builds them (sources in README.md):
`message_created` is `Message#webhook_data` plus `event`; `conversation_status_changed` is
`Conversation#webhook_data` (`Conversations::EventDataPresenter#push_data`) plus `event` and
`changed_attributes`; a conversation's `messages` hold its last chat message's `push_event_data`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT_ID = 3
INBOX_ID = 7
BASE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

ACCOUNT = {"id": ACCOUNT_ID, "name": "Acme Support"}
INBOX = {"id": INBOX_ID, "name": "Website"}
# Contact#push_event_data (conversation.meta.sender) / Contact#webhook_data (an incoming message's sender)
CONTACT: dict[str, Any] = {
    "additional_attributes": {},
    "custom_attributes": {},
    "email": "ada@example.com",
    "id": 501,
    "identifier": None,
    "name": "Ada Lovelace",
    "phone_number": "+441234567890",
    "thumbnail": "",
    "type": "contact",
}
AGENT = {"id": 12, "name": "Maria Lopez", "email": "maria@acme.test", "type": "user"}  # User#webhook_data
TOKEN_USER = {"id": 40, "name": "Casebridge integration", "email": "casebridge@acme.test", "type": "user"}
BOT = {"id": 2, "name": "Helpdesk bot", "type": "agent_bot"}  # AgentBot#webhook_data
CAPTAIN = {  # Captain::Assistant#webhook_data (Enterprise)
    "id": 1,
    "name": "Captain",
    "avatar_url": "",
    "description": "AI assistant",
    "created_at": "2026-11-01T00:00:00.000Z",
    "type": "captain_assistant",
}
MESSAGE_TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}


def at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    """How Rails serialises a time in JSON: ISO 8601 with milliseconds and Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def push_message(
    message_id: int, display_id: int, content: str, kind: str, sender: dict[str, Any] | None, t: float
) -> dict[str, Any]:
    """Message#push_event_data: numeric message_type and created_at; an AgentBot's push data."""
    data: dict[str, Any] = {
        "id": message_id,
        "content": content,
        "account_id": ACCOUNT_ID,
        "inbox_id": INBOX_ID,
        "conversation_id": display_id,
        "message_type": MESSAGE_TYPES[kind],
        "created_at": int(at(t).timestamp()),
        "private": False,
        "content_type": "text",
        "content_attributes": {},
        "source_id": None,
        "sender_type": None,
        "sender_id": None,
    }
    if sender is not None:
        data["sender"] = sender
    return data


def conversation(
    display_id: int,
    *,
    status: str = "pending",
    last_message: dict[str, Any] | None = None,
    contact: dict[str, Any] | None = None,
    t: float = 0,
) -> dict[str, Any]:
    """Conversation#webhook_data."""
    stamp = int(at(t).timestamp())
    return {
        "additional_attributes": {},
        "can_reply": True,
        "channel": "Channel::WebWidget",
        "contact_inbox": {"id": 900 + display_id, "contact_id": CONTACT["id"], "inbox_id": INBOX_ID},
        "id": display_id,
        "inbox_id": INBOX_ID,
        "messages": [last_message] if last_message else [],
        "labels": [],
        "meta": {
            "sender": contact if contact is not None else CONTACT,
            "assignee": None,
            "team": None,
            "hmac_verified": False,
        },
        "status": status,
        "custom_attributes": {},
        "snoozed_until": None,
        "unread_count": 0,
        "first_reply_created_at": None,
        "priority": None,
        "waiting_since": 0,
        "agent_last_seen_at": 0,
        "contact_last_seen_at": 0,
        "last_activity_at": stamp,
        "timestamp": stamp,
        "created_at": stamp,
        "updated_at": at(t).timestamp(),
    }


def message_created(
    message_id: int,
    display_id: int,
    content: str | None,
    *,
    kind: str = "incoming",
    sender: dict[str, Any] | None = None,
    private: bool = False,
    attachments: list[dict[str, Any]] | None = None,
    status: str = "pending",
    t: float = 0,
) -> dict[str, Any]:
    """Message#webhook_data + event: message_created."""
    if sender is None and kind == "incoming":
        sender = CONTACT
    data: dict[str, Any] = {
        "account": ACCOUNT,
        "additional_attributes": {},
        "content_attributes": {},
        "content_type": "text",
        "content": content,
        "conversation": conversation(display_id, status=status, t=t),
        "created_at": iso(at(t)),
        "id": message_id,
        "inbox": INBOX,
        "message_type": kind,
        "private": private,
        "sender": sender,
        "source_id": None,
        "event": "message_created",
    }
    if attachments:
        data["attachments"] = attachments
    return data


def attachment(attachment_id: int, message_id: int, file_type: str, url: str) -> dict[str, Any]:
    """Attachment#push_event_data (as listed in a message's webhook_data)."""
    return {
        "id": attachment_id,
        "message_id": message_id,
        "file_type": file_type,
        "account_id": ACCOUNT_ID,
        "extension": None,
        "data_url": url,
        "thumb_url": url,
        "file_size": 1024,
    }


def status_changed(
    display_id: int,
    before: str,
    after: str,
    *,
    last_message: dict[str, Any] | None = None,
    t: float = 0,
) -> dict[str, Any]:
    """Conversation#webhook_data + event + changed_attributes (WebhookListener)."""
    data = conversation(display_id, status=after, last_message=last_message, t=t)
    changed = [{"status": {"current_value": after, "previous_value": before}}]
    return data | {"event": "conversation_status_changed", "changed_attributes": changed}
