"""Builders for signed chat-platform events, shared by the tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.signature import SIGNATURE_HEADER, sign

CHAT_SECRET = "test-chat-signing-secret"
T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def conversation(conv_id: str, **customer: Any) -> dict[str, Any]:
    person = {"name": "Ada Lovelace", "email": "ada@example.com", "phone": None} | customer
    return {
        "id": conv_id,
        "channel": "web",
        "url": f"https://chat.example/inbox/{conv_id}",
        "customer": person,
    }


def message(
    conv_id: str, msg_id: str, text: str, *, author: str = "customer", t: float = 0, **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"evt_{conv_id}_{msg_id}",
        "type": "message.created",
        "occurred_at": at(t),
        "conversation": conversation(conv_id, **extra),
        "message": {"id": msg_id, "author": author, "text": text, "sent_at": at(t)},
    }


def handoff(conv_id: str, summary: str, *, t: float = 100, event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{conv_id}_handoff_{t}",
        "type": "handoff.requested",
        "occurred_at": at(t),
        "conversation": conversation(conv_id),
        "handoff": {"summary": summary, "reason": "customer asked for a human"},
    }


def resolved(conv_id: str, *, t: float = 200) -> dict[str, Any]:
    return {
        "id": f"evt_{conv_id}_resolved_{t}",
        "type": "conversation.resolved",
        "occurred_at": at(t),
        "conversation": conversation(conv_id),
        "resolution": {"by": "ai", "note": "answered"},
    }


def signed(
    event: dict[str, Any], *, secret: str = CHAT_SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    return body, {
        SIGNATURE_HEADER: sign(secret, body, timestamp=timestamp),
        "Content-Type": "application/json",
    }
