"""Chatwoot's webhooks translated into Casebridge's conversation events (the mapping table is in
docs/chatwoot-setup.md; the payload shapes, with their sources, in app/dev/chatwoot/README.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from app.adapters.chatwoot.config import ChatwootSettings
from app.adapters.chatwoot.signature import DELIVERY_HEADER, TIMESTAMP_HEADER
from app.domain.events import (
    AgentMessageCreated,
    ConversationEvent,
    ConversationReopened,
    ConversationResolved,
    Customer,
    HandoffRequested,
    MessageCreated,
)
from app.ports.chat_platforms import InvalidWebhook, Translation

# Chatwoot's message_type: a string in webhook_data, a number in push_event_data (conversation.messages).
_MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
BOT_SENDERS = frozenset({"agent_bot", "captain_assistant"})
EVENTS = ("message_created", "conversation_status_changed")


def translate(settings: ChatwootSettings, headers: Mapping[str, str], body: bytes) -> Translation:
    payload = _object(_json(body), "(body)")
    event = payload.get("event")
    if not isinstance(event, str):
        raise InvalidWebhook("event", "missing: every Chatwoot webhook names its event")
    if event not in EVENTS:
        return Translation(ignored=f"{event} is not used by Casebridge")
    if event == "message_created":
        return _message(settings, headers, payload)
    return _status_changed(settings, headers, payload)


def _message(settings: ChatwootSettings, headers: Mapping[str, str], p: dict[str, Any]) -> Translation:
    conversation = _object(p.get("conversation"), "conversation")
    if (skip := _elsewhere(settings, p, conversation)) is not None:
        return skip
    kind = _message_type(p.get("message_type"), "message_type")
    if kind not in ("incoming", "outgoing"):
        return Translation(ignored=f"{kind} messages are Chatwoot's own notes of what happened")
    message_id = str(_integer(p.get("id"), "id"))
    if p.get("private") is True:
        return Translation(ignored="a private note: kept in Chatwoot, never written to the case")
    text = _text(p)
    if not text:
        return Translation(ignored="a message without text or attachments")
    sender = p.get("sender") if isinstance(p.get("sender"), dict) else {}
    sender_type = str(sender.get("type") or "") if isinstance(sender, dict) else ""
    base = _base(settings, headers, p, conversation, _time(p.get("created_at"), "created_at"))
    info = {"id": message_id, "text": text, "sent_at": base["occurred_at"]}
    if kind == "incoming":
        event: dict[str, Any] = base | {"type": "message.created", "message": info | {"author": "customer"}}
        return Translation(_event(MessageCreated, event))
    if sender_type == "user":  # a human agent in Chatwoot: on the case, never sent back
        agent = _event(AgentMessageCreated, base | {"type": "agent.message.created", "message": info})
        return Translation(agent, platform_message_id=message_id)
    # An agent bot, Captain, or Chatwoot's own automation (no sender): the AI side of the conversation.
    event = base | {"type": "message.created", "message": info | {"author": "ai"}}
    return Translation(_event(MessageCreated, event), platform_message_id=message_id)


def _status_changed(settings: ChatwootSettings, headers: Mapping[str, str], p: dict[str, Any]) -> Translation:
    if (skip := _elsewhere(settings, p, p)) is not None:
        return skip
    change = _status_change(p.get("changed_attributes"))
    if change is None:
        return Translation(ignored="no status in changed_attributes")
    before, after = change
    at = _time(p["updated_at"], "updated_at") if p.get("updated_at") is not None else _sent_at(headers)
    base = _base(settings, headers, p, p, at)
    if after == "resolved":
        resolution = {"by": "Chatwoot", "note": "Resolved in Chatwoot"}
        return Translation(
            _event(ConversationResolved, base | {"type": "conversation.resolved", "resolution": resolution})
        )
    if before == "resolved":
        return Translation(_event(ConversationReopened, base | {"type": "conversation.reopened"}))
    if (before, after) == ("pending", "open"):
        handoff = {
            "summary": _handoff_summary(p),
            "reason": "The Chatwoot bot handed the conversation to a human",
        }
        event = _event(HandoffRequested, base | {"type": "handoff.requested", "handoff": handoff})
        return Translation(event, summary_from_transcript=settings.handoff_summary == "transcript")
    return Translation(ignored=f"a status change from {before} to {after} is not used by Casebridge")


def _base(
    settings: ChatwootSettings,
    headers: Mapping[str, str],
    p: dict[str, Any],
    conversation: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    display_id = _integer(conversation.get("id"), "conversation.id" if conversation is not p else "id")
    delivery = headers.get(DELIVERY_HEADER.lower())
    key = delivery if delivery else f"{p['event']}:{p.get('id')}:{int(at.timestamp() * 1000)}"
    return {
        "id": f"chatwoot:{settings.connector_id}:{key}",
        "occurred_at": at,
        "conversation": {
            "id": settings.conversation_external_id(display_id),
            "channel": conversation.get("channel") if isinstance(conversation.get("channel"), str) else None,
            "url": settings.conversation_url(display_id),
            "customer": _customer(conversation, p),
        },
    }


def _elsewhere(
    settings: ChatwootSettings, p: dict[str, Any], conversation: dict[str, Any]
) -> Translation | None:
    """Webhooks of another account, or of an inbox this connector does not take, are ignored."""
    account = p.get("account")
    account_id = account.get("id") if isinstance(account, dict) else p.get("account_id")
    if isinstance(account_id, int) and account_id != settings.account_id:
        return Translation(ignored=f"account {account_id} is not this connector's ({settings.account_id})")
    inbox = p.get("inbox")
    inbox_id = inbox.get("id") if isinstance(inbox, dict) else conversation.get("inbox_id")
    if settings.inbox_id is not None and isinstance(inbox_id, int) and inbox_id != settings.inbox_id:
        return Translation(ignored=f"inbox {inbox_id} is not this connector's ({settings.inbox_id})")
    return None


def _customer(conversation: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    """From conversation.meta.sender (the contact), else an incoming message's sender; a value the event
    contract cannot hold (an odd e-mail) is left out rather than refusing the message."""
    meta = conversation.get("meta")
    contact = meta.get("sender") if isinstance(meta, dict) else None
    if not isinstance(contact, dict):
        sender = p.get("sender")
        contact = sender if isinstance(sender, dict) and sender.get("type") == "contact" else {}
    wanted = {
        "name": contact.get("name"),
        "email": contact.get("email"),
        "phone": contact.get("phone_number"),
    }
    customer: dict[str, Any] = {}
    for name, value in wanted.items():
        if isinstance(value, str) and value.strip():
            try:
                Customer.model_validate({name: value})
            except ValidationError:
                continue
            customer[name] = value[:500] if name == "name" else value
    return customer


def _text(p: dict[str, Any]) -> str:
    """The message's text, with its attachments listed by type and URL."""
    content = p.get("content")
    text = content.strip() if isinstance(content, str) else ""
    attachments = p.get("attachments")
    lines = []
    if isinstance(attachments, list):
        for index, item in enumerate(attachments):
            if not isinstance(item, dict) or not isinstance(item.get("data_url"), str):
                raise InvalidWebhook(
                    f"attachments.{index}.data_url", "missing: each attachment has a data_url"
                )
            lines.append(f"- {item.get('file_type') or 'file'}: {item['data_url']}")
    if lines:
        text = (text + "\n\n" if text else "") + "Attachments:\n" + "\n".join(lines)
    return text


def _handoff_summary(p: dict[str, Any]) -> str:
    """The bot's last message, when the payload's last message is the bot's; else a plain statement."""
    messages = p.get("messages")
    last = messages[-1] if isinstance(messages, list) and messages else None
    if isinstance(last, dict):
        sender = last.get("sender")
        is_bot = isinstance(sender, dict) and sender.get("type") in BOT_SENDERS
        content = last.get("content")
        if is_bot and isinstance(content, str) and content.strip():
            return f"The Chatwoot bot handed over with: {content.strip()}"
    return "The Chatwoot bot handed the conversation to a human agent."


def _status_change(changed: Any) -> tuple[str, str] | None:
    entries = changed if isinstance(changed, list) else [changed] if isinstance(changed, dict) else []
    for entry in entries:
        status = entry.get("status") if isinstance(entry, dict) else None
        if isinstance(status, dict):
            before, after = status.get("previous_value"), status.get("current_value")
            if not isinstance(after, str):
                raise InvalidWebhook("changed_attributes.status.current_value", "missing")
            return (before if isinstance(before, str) else ""), after
    return None


def _event(model: type[ConversationEvent], data: dict[str, Any]) -> ConversationEvent:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidWebhook(_CHATWOOT_FIELD.get(where, where), error["msg"]) from exc


# Where a field of the translated event comes from in Chatwoot's payload (for the 400's field name).
_CHATWOOT_FIELD = {"message.text": "content", "message.id": "id", "message.sent_at": "created_at"}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidWebhook("(body)", f"not JSON: {exc}") from exc


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidWebhook(name, "missing or not an object")
    return value


def _integer(value: Any, name: str) -> int:
    """A whole number; the help centre's sample payload writes ids as strings ("1"), the source as numbers."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidWebhook(name, "missing or not a whole number")
    return int(value)


def _message_type(value: Any, name: str) -> str:
    if isinstance(value, int) and value in _MESSAGE_TYPES:
        return _MESSAGE_TYPES[value]
    if isinstance(value, str) and value in _MESSAGE_TYPES.values():
        return value
    raise InvalidWebhook(name, "expected incoming, outgoing, activity or template")


def _time(value: Any, name: str) -> datetime:
    """Chatwoot's times: a string in webhook_data, unix seconds (maybe fractional) in push_event_data."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise InvalidWebhook(name, "not a time") from exc
    if isinstance(value, str):
        # Rails: ISO 8601 ("...T13:05:57.000Z"); the help centre's sample: "2020-03-03 13:05:57 UTC".
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" UTC", "+00:00"))
        except ValueError as exc:
            raise InvalidWebhook(name, "not an ISO 8601 time") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise InvalidWebhook(name, "missing: expected a time")


def _sent_at(headers: Mapping[str, str]) -> datetime:
    stamp = headers.get(TIMESTAMP_HEADER.lower(), "")
    return datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else datetime.now(UTC)
