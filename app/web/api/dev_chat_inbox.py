"""Development only (`casebridge dev`): /dev/chat-inbox, a stand-in chat platform receiving deliveries."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency

from app.db.tables import utcnow
from app.domain.signature import SIGNATURE_HEADER, SignatureError, verify
from app.web.admin_auth import require_admin
from app.web.dev_chat_inbox import DevChatInbox


class DevChatInboxController(Controller):
    path = "/dev/chat-inbox"
    tags = ["development"]

    @post("/", summary="Receive a signed delivery, as the chat platform would (signature checked).")
    async def receive(
        self,
        request: Request[Any, Any, Any],
        chat_outbound_secret: NamedDependency[str | None],
        dev_chat_inbox: NamedDependency[DevChatInbox],
    ) -> Response[dict[str, Any]]:
        secrets = [chat_outbound_secret] if chat_outbound_secret else []
        body = await request.body()
        try:  # refused as the chat platform would, not as Casebridge's API does (app/web/errors.py)
            verify(request.headers.get(SIGNATURE_HEADER), body, secrets)
            payload = json.loads(body)
        except (SignatureError, ValueError) as exc:
            return Response({"status_code": 401, "detail": f"rejected: {exc}"}, status_code=401)
        duplicate = dev_chat_inbox.add(request.headers.get("idempotency-key"), payload, utcnow())
        return Response({"received": True, "duplicate": duplicate}, status_code=200)

    @get("/", guards=[require_admin], summary="What the stand-in chat platform received, oldest first.")
    async def entries(self, dev_chat_inbox: NamedDependency[DevChatInbox]) -> list[dict[str, Any]]:
        return list(dev_chat_inbox.entries)
