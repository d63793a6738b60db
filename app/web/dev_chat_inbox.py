"""Development only (`casebridge dev`): what the stand-in chat platform at /dev/chat-inbox received, kept
in memory (lost on restart), newest last; app/web/api/dev_chat_inbox.py receives and lists it."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

KEEP = 500


class DevChatInbox:
    """What the stand-in chat platform received, in memory (lost on restart), newest last."""

    def __init__(self) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=KEEP)

    def add(self, key: str | None, body: dict[str, Any], at: datetime) -> bool:
        """Record a delivery; True when its Idempotency-Key was seen before (a real platform ignores it)."""
        duplicate = key is not None and any(e["idempotency_key"] == key for e in self.entries)
        entry = {"received_at": at, "idempotency_key": key, "duplicate": duplicate}
        self.entries.append(entry | {"signature_verified": True, "body": body})
        return duplicate
