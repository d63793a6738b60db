"""Chatwoot-shaped signed webhooks for the intake benchmark: the same conversations as bench/events.py
(6 messages, the bot handing over, the resolution) as Chatwoot sends them (shapes and sources:
app/dev/chatwoot/README.md), signed with X-Chatwoot-Signature."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from app.adapters.chatwoot.signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from bench.events import AI_LINES, CUSTOMER_LINES, MESSAGES_PER_CONVERSATION, T0

CONNECTOR_ID = "bench"
WEBHOOK_PATH = f"/webhooks/chatwoot/{CONNECTOR_ID}"
ACCOUNT_ID = 1
BOT = {"id": 1, "name": "Bench bot", "type": "agent_bot"}


def _contact(n: int) -> dict[str, Any]:
    return {"id": n, "name": f"Customer {n}", "email": f"customer-{n}@bench.example", "phone_number": None}


def _conversation(display_id: int, n: int, status: str) -> dict[str, Any]:
    return {
        "id": display_id,
        "inbox_id": 1,
        "channel": "Channel::WebWidget",
        "status": status,
        "messages": [],
        "meta": {"sender": _contact(n), "assignee": None},
        "timestamp": int(T0.timestamp()) + n,
    }


def conversation_webhooks(display_id: int, n: int) -> list[dict[str, Any]]:
    """The 8 webhooks of one conversation in sending order."""
    webhooks: list[dict[str, Any]] = []
    for i in range(MESSAGES_PER_CONVERSATION):
        incoming = i % 2 == 0
        lines = CUSTOMER_LINES if incoming else AI_LINES
        webhooks.append(
            {
                "event": "message_created",
                "id": display_id * 100 + i,
                "content": lines[i // 2].format(n=n),
                "created_at": T0.timestamp() + n + i * 20,
                "message_type": "incoming" if incoming else "outgoing",
                "private": False,
                "sender": _contact(n) | {"type": "contact"} if incoming else BOT,
                "account": {"id": ACCOUNT_ID, "name": "Bench"},
                "inbox": {"id": 1, "name": "Website"},
                "conversation": _conversation(display_id, n, "pending"),
            }
        )
    for before, after, at in (("pending", "open", 130), ("open", "resolved", 600)):
        change = [{"status": {"previous_value": before, "current_value": after}}]
        body = _conversation(display_id, n, after) | {"updated_at": T0.timestamp() + n + at}
        webhooks.append(body | {"event": "conversation_status_changed", "changed_attributes": change})
    return webhooks


def signed(payload: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of one webhook, signed now with a fresh delivery id (as Chatwoot does)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    stamp = int(time.time())
    return body, {
        SIGNATURE_HEADER: signature(secret, stamp, body),
        TIMESTAMP_HEADER: str(stamp),
        DELIVERY_HEADER: str(uuid.uuid4()),
        "Content-Type": "application/json",
    }
