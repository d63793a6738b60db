"""`casebridge send-events`: signs chat events and posts them to a running Casebridge (for trying it out)."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.bootstrap.secrets import resolve_secret
from app.domain.signature import SIGNATURE_HEADER, sign
from app.settings import Settings


def demo_conversation(*, handoff: bool = True, resolve: bool = False) -> list[dict[str, Any]]:
    """A short support chat with a new conversation id each time."""
    conv = f"demo_{uuid.uuid4().hex[:8]}"
    start = datetime.now(UTC)
    base = {
        "id": conv,
        "channel": "web",
        "url": f"https://chat.example/inbox/{conv}",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": None},
    }
    turns = [
        ("customer", "My invoice for November is wrong: it says 300 EUR but my plan is 200 EUR."),
        ("ai", "I'm sorry about that. Could you tell me the invoice number?"),
        ("customer", "It is INV-2026-1142. I need this fixed before the payment is taken on Friday."),
    ]
    events = [
        _message(base, n, author, text, start + timedelta(seconds=n * 20))
        for n, (author, text) in enumerate(turns)
    ]
    if handoff:
        summary = (
            "Customer disputes invoice INV-2026-1142 (300 EUR billed, plan is 200 EUR); payment due Friday."
        )
        events.append(
            _event(base, "handoff.requested", start + timedelta(seconds=90), handoff={"summary": summary})
        )
    if resolve:
        events.append(
            _event(base, "conversation.resolved", start + timedelta(seconds=120), resolution={"by": "ai"})
        )
    return events


def _event(conversation: dict[str, Any], kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": kind,
        "occurred_at": at.isoformat(),
        "conversation": conversation,
    } | fields


def _message(conversation: dict[str, Any], n: int, author: str, text: str, at: datetime) -> dict[str, Any]:
    message = {"id": f"msg_{n}", "author": author, "text": text, "sent_at": at.isoformat()}
    return _event(conversation, "message.created", at, message=message)


def load_events(paths: list[str]) -> list[dict[str, Any]]:
    """Events from JSON files (an object or a list each), or JSON lines on stdin for '-'."""
    events: list[dict[str, Any]] = []
    for path in paths:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        stripped = text.strip()
        if stripped.startswith("["):
            events.extend(json.loads(stripped))
        elif path == "-":
            events.extend(json.loads(line) for line in stripped.splitlines() if line.strip())
        else:
            events.append(json.loads(stripped))
    return events


def send(events: list[dict[str, Any]], url: str, settings: Settings) -> int:
    secret = resolve_secret(
        settings.chat_signing_secret.get_secret_value() if settings.chat_signing_secret else None,
        env_name="CASEBRIDGE_CHAT_SIGNING_SECRET",
        data_dir=settings.data_dir,
        file_name="chat-signing-secret",
        development=settings.is_development,
    )
    failures = 0
    with httpx.Client(base_url=url, timeout=10) as client:
        for event in events:
            body = json.dumps(event).encode()
            headers = {SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json"}
            response = client.post("/api/v1/events", content=body, headers=headers)
            failures += response.status_code >= 300
            print(f"{response.status_code} {event.get('type')} {event.get('id')}: {response.text[:300]}")
    return 1 if failures else 0
