"""Demo chat events, signed server-side and posted through the real `/api/v1/events` handler in-process."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import httpx
from litestar import Litestar

from app.db.tables import ConversationRow
from app.domain.signature import SIGNATURE_HEADER, sign

INTERNAL_BASE = "http://casebridge.internal"
DEMO_PREFIX = "demo_"  # the chat-platform ids of the demo's conversations


class DemoEventRefused(Exception):
    """`/api/v1/events` did not accept the event; the message has its status and detail."""


def new_conversation_id() -> str:
    return f"{DEMO_PREFIX}{uuid.uuid4().hex[:10]}"


def conversation_block(conversation_id: str, name: str, email: str | None, url: str) -> dict[str, Any]:
    """`url` is where the conversation opens (the first activity on the case links to it)."""
    return {
        "id": conversation_id,
        "channel": "web",
        "url": url,
        "customer": {"name": name or None, "email": email or None, "phone": None},
    }


def block_of(row: ConversationRow) -> dict[str, Any]:
    url = row.url or f"{INTERNAL_BASE}/demo/chat/{row.external_id}"
    return conversation_block(row.external_id, row.customer_name or "", row.customer_email, url)


def message_event(conversation: dict[str, Any], author: str, text: str) -> dict[str, Any]:
    at = _now()
    message = {"id": f"msg_{uuid.uuid4().hex[:12]}", "author": author, "text": text, "sent_at": at}
    return _event(conversation, "message.created", at, message=message)


def handoff_event(conversation: dict[str, Any], summary: str, reason: str) -> dict[str, Any]:
    return _event(conversation, "handoff.requested", _now(), handoff={"summary": summary, "reason": reason})


def resolved_event(conversation: dict[str, Any]) -> dict[str, Any]:
    return _event(conversation, "conversation.resolved", _now(), resolution={"by": "customer"})


def _event(conversation: dict[str, Any], kind: str, at: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": kind,
        "occurred_at": at,
        "conversation": conversation,
    } | fields


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


async def post_event(app: Litestar, secret: str, event: dict[str, Any]) -> None:
    """Sign with the chat signing secret (it never reaches the browser) and post to this very app."""
    body = json.dumps(event).encode()
    headers = {SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json"}
    transport = httpx.ASGITransport(app=cast(Any, app))  # Litestar's typed ASGI signature is narrower
    async with httpx.AsyncClient(transport=transport, base_url=INTERNAL_BASE) as client:
        response = await client.post("/api/v1/events", content=body, headers=headers)
    if response.status_code not in (200, 202):
        raise DemoEventRefused(f"/api/v1/events answered {response.status_code}: {response.text[:300]}")
