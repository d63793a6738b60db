"""Signed chat events for the benchmarks: realistic conversations (messages, handoff, resolve)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.signature import SIGNATURE_HEADER, sign

MESSAGES_PER_CONVERSATION = 6
EVENTS_PER_CONVERSATION = MESSAGES_PER_CONVERSATION + 2  # + handoff + resolved
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

CUSTOMER_LINES = (
    "Hi, my invoice for November is wrong: it says 300 EUR but my plan costs 200 EUR.",
    "I checked the plan page, it still says Basic. Order number is AB-{n:06d}.",
    "No, I never upgraded. Can someone refund the difference please?",
)
AI_LINES = (
    "Sorry to hear that. Let me look at your invoice and your current plan.",
    "I can see the invoice shows the Pro plan. Did you change your plan recently?",
    "I understand. A refund needs a human agent; I am handing you over now.",
)


def _at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _conversation(conv_id: str, n: int) -> dict[str, Any]:
    return {
        "id": conv_id,
        "channel": "web",
        "url": f"https://chat.example/inbox/{conv_id}",
        "customer": {"name": f"Customer {n}", "email": f"customer-{conv_id}@bench.example", "phone": None},
    }


def conversation_events(conv_id: str, n: int) -> list[dict[str, Any]]:
    """The 8 events of one conversation in sending order: 6 messages, a handoff, the resolution."""
    conversation = _conversation(conv_id, n)
    events: list[dict[str, Any]] = []
    for i in range(MESSAGES_PER_CONVERSATION):
        author, lines = ("customer", CUSTOMER_LINES) if i % 2 == 0 else ("ai", AI_LINES)
        t = _at(n + i * 20)
        events.append(
            {
                "id": f"evt_{conv_id}_m{i}",
                "type": "message.created",
                "occurred_at": t,
                "conversation": conversation,
                "message": {"id": f"m{i}", "author": author, "text": lines[i // 2].format(n=n), "sent_at": t},
            }
        )
    summary = f"Customer {n} was billed for the Pro plan (order AB-{n:06d}) and asks for a refund."
    events.append(
        {
            "id": f"evt_{conv_id}_handoff",
            "type": "handoff.requested",
            "occurred_at": _at(n + 130),
            "conversation": conversation,
            "handoff": {"summary": summary, "reason": "refund needs an agent", "language": "en"},
        }
    )
    events.append(
        {
            "id": f"evt_{conv_id}_resolved",
            "type": "conversation.resolved",
            "occurred_at": _at(n + 600),
            "conversation": conversation,
            "resolution": {"by": "agent", "note": "refund issued"},
        }
    )
    return events


def signed(event: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of one event, signed now (as the chat platform does per request)."""
    body = json.dumps(event, separators=(",", ":")).encode()
    return body, {SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json"}
