"""The JSON bodies Casebridge POSTs to the chat platform (design §3.2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.domain.crm_updates import ChatNotice


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def notice_payload(delivery_id: UUID, notice: ChatNotice) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(delivery_id),
        "type": notice.kind,
        "conversation_id": notice.conversation_id,
        "occurred_at": _time(notice.occurred_at),
    }
    if notice.kind == "agent.replied":
        body["message"] = {
            "id": str(notice.activity_id),
            "text": notice.text or "",
            "author": {"name": notice.author_name},
        }
    else:
        body["status"] = {
            "id": str(notice.status_id) if notice.status_id else None,
            "name": notice.status_name,
        }
    body["case"] = {"id": str(notice.case_id), "number": notice.case_number}
    return body


def render(delivery_id: UUID, notice: ChatNotice) -> bytes:
    """The exact bytes that are signed and sent; the same notice always gives the same bytes."""
    return json.dumps(notice_payload(delivery_id, notice), ensure_ascii=False, separators=(",", ":")).encode()
