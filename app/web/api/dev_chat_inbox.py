"""Development only (`casebridge dev`): /dev/chat-inbox, a stand-in chat platform receiving deliveries."""

from __future__ import annotations

import json
from collections import deque
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State

from app.db.tables import utcnow
from app.domain.signature import SIGNATURE_HEADER, SignatureError, verify
from app.web.admin_auth import require_admin
from app.web.services import services_from_state

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


def inbox_of(state: State) -> DevChatInbox:
    if "dev_chat_inbox" not in state:
        state["dev_chat_inbox"] = DevChatInbox()
    inbox: DevChatInbox = state["dev_chat_inbox"]
    return inbox


class DevChatInboxController(Controller):
    path = "/dev/chat-inbox"
    tags = ["development"]

    @post("/", summary="Receive a signed delivery, as the chat platform would (signature checked).")
    async def receive(self, request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
        crm_to_chat = services_from_state(state).runtime.crm_to_chat
        secrets = [crm_to_chat.outbound_secret] if crm_to_chat and crm_to_chat.outbound_secret else []
        body = await request.body()
        try:
            verify(request.headers.get(SIGNATURE_HEADER), body, secrets)
            payload = json.loads(body)
        except (SignatureError, ValueError) as exc:
            return Response({"status_code": 401, "detail": f"rejected: {exc}"}, status_code=401)
        duplicate = inbox_of(state).add(request.headers.get("idempotency-key"), payload, utcnow())
        return Response({"received": True, "duplicate": duplicate}, status_code=200)

    @get("/", guards=[require_admin], summary="What the stand-in chat platform received, oldest first.")
    async def entries(self, state: State) -> list[dict[str, Any]]:
        return list(inbox_of(state).entries)
