"""Chatwoot, as far as Casebridge meets it: the application API it calls (an httpx transport: posting a
message, toggle_status, the profile and inboxes Test & Save reads), recording every call, and the signed
webhooks Chatwoot sends, into the Casebridge app under test. Like Chatwoot, every message posted through
the API and every status change comes back as a webhook (queued until `flush()`, or at once before the
API answers with `echo_before_answer`: the race where the echo overtakes the answer)."""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.chatwoot.signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from tests.support.chatwoot import payloads

BASE_URL = "https://chatwoot.test"
API_TOKEN = "test-chatwoot-api-token"
WEBHOOK_SECRET = "test-chatwoot-webhook-secret"
_CONVERSATION = re.compile(r"^/api/v1/accounts/(\d+)/conversations/(\d+)/(messages|toggle_status)$")


@dataclass(frozen=True)
class ApiCall:
    method: str
    path: str
    body: dict[str, Any] | None
    token: str | None
    answered: int


@dataclass
class Sent:
    """A webhook the emulator posted into Casebridge, and Casebridge's answer."""

    payload: dict[str, Any]
    delivery: str
    status: int
    answer: dict[str, Any]


class ChatwootEmulator(httpx.AsyncBaseTransport):
    def __init__(self, *, connector_id: str = "chatwoot", secret: str = WEBHOOK_SECRET) -> None:
        self.connector_id = connector_id
        self.secret = secret
        self.token = API_TOKEN
        self.calls: list[ApiCall] = []
        self.messages: dict[int, list[dict[str, Any]]] = {}  # display id -> messages created through the API
        self.statuses: dict[int, str] = {}
        self.faults: list[int | str] = []  # next answers: a status code, or "timeout"
        self.echo_before_answer = False
        self.pending: list[dict[str, Any]] = []  # webhooks Chatwoot would send next
        self.sent: list[Sent] = []
        self.target: AsyncTestClient[Litestar] | None = None
        self._ids = itertools.count(9000)

    # --- webhooks, as Chatwoot sends them -------------------------------------------------------------

    def signed(
        self, payload: dict[str, Any], *, secret: str | None = None, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str], str]:
        body = json.dumps(payload).encode()
        stamp = int(time.time()) if timestamp is None else timestamp
        delivery = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret or self.secret, stamp, body),
            TIMESTAMP_HEADER: str(stamp),
            DELIVERY_HEADER: delivery,
        }
        return body, headers, delivery

    async def post(self, payload: dict[str, Any], *, delivery: str | None = None, **signing: Any) -> Sent:
        """Post one signed webhook to Casebridge (`delivery`: send again under that delivery id)."""
        assert self.target is not None, "the emulator is not connected to Casebridge"
        body, headers, new_delivery = self.signed(payload, **signing)
        headers[DELIVERY_HEADER] = delivery or new_delivery
        response = await self.target.post(
            f"/webhooks/chatwoot/{self.connector_id}", content=body, headers=headers
        )
        sent = Sent(payload, headers[DELIVERY_HEADER], response.status_code, response.json())
        self.sent.append(sent)
        return sent

    async def flush(self) -> list[Sent]:
        """Send the webhooks Chatwoot queued (its Sidekiq jobs), in order."""
        queued, self.pending = self.pending, []
        return [await self.post(payload) for payload in queued]

    # --- the application API ---------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        token = request.headers.get("api_access_token")
        if self.faults:
            fault = self.faults.pop(0)
            if fault == "timeout":
                raise httpx.ReadTimeout("emulated timeout", request=request)
            return self._answer(request, body, token, int(fault), {"error": "emulated"})
        if token != self.token:
            return self._answer(request, body, token, 401, {"error": "Invalid Access Token"})
        path = request.url.path
        if request.method == "GET" and path == "/api/v1/profile":
            profile = {"id": 40, "name": "Casebridge integration", "accounts": [{"id": payloads.ACCOUNT_ID}]}
            return self._answer(request, body, token, 200, profile)
        if request.method == "GET" and path == f"/api/v1/accounts/{payloads.ACCOUNT_ID}/inboxes":
            return self._answer(request, body, token, 200, {"payload": [payloads.INBOX]})
        match = _CONVERSATION.match(path)
        if request.method != "POST" or match is None or int(match[1]) != payloads.ACCOUNT_ID:
            return self._answer(request, body, token, 404, {"error": "Resource could not be found"})
        display_id = int(match[2])
        if match[3] == "messages":
            return await self._create_message(request, body or {}, token, display_id)
        return await self._toggle(request, body or {}, token, display_id)

    async def _create_message(
        self, request: httpx.Request, body: dict[str, Any], token: str | None, display_id: int
    ) -> httpx.Response:
        message_id = next(self._ids)
        created = {"id": message_id, "content": body.get("content"), "message_type": 1, "private": False}
        self.messages.setdefault(display_id, []).append(created)
        echo = payloads.message_created(
            message_id,
            display_id,
            body.get("content"),
            kind="outgoing",
            sender=payloads.TOKEN_USER,
            status="open",
        )
        await self._emit(echo)
        return self._answer(request, body, token, 200, created)

    async def _toggle(
        self, request: httpx.Request, body: dict[str, Any], token: str | None, display_id: int
    ) -> httpx.Response:
        before = self.statuses.get(display_id, "open")
        after = str(body.get("status") or ("resolved" if before == "open" else "open"))
        self.statuses[display_id] = after
        if before != after:
            await self._emit(payloads.status_changed(display_id, before, after))
        answer = {
            "meta": {},
            "payload": {"success": True, "current_status": after, "conversation_id": display_id},
        }
        return self._answer(request, body, token, 200, answer)

    async def _emit(self, payload: dict[str, Any]) -> None:
        if self.echo_before_answer:
            await self.post(payload)
        else:
            self.pending.append(payload)

    def _answer(
        self, request: httpx.Request, body: Any, token: str | None, status: int, answer: dict[str, Any]
    ) -> httpx.Response:
        self.calls.append(ApiCall(request.method, request.url.path, body, token, status))
        return httpx.Response(status, json=answer, request=request)

    @property
    def replies(self) -> list[ApiCall]:
        """Messages Chatwoot accepted through its API: what the customer sees."""
        return [c for c in self.calls if c.path.endswith("/messages") and c.answered == 200]

    @property
    def toggles(self) -> list[ApiCall]:
        return [c for c in self.calls if c.path.endswith("/toggle_status") and c.answered == 200]
