"""Chatwoot, as far as Casebridge meets it: the application API it calls (an httpx transport: posting a
message, toggle_status, the profile and inboxes Test & Save reads), recording every call, and the signed
webhooks Chatwoot sends to Casebridge (through a `sink`: the app under test, or its URL under `make run`).
Like Chatwoot, every message posted through the API and every status change comes back as a webhook:
queued until `flush()`, sent at once before the API answers with `echo_before_answer` (the race where
the echo overtakes the answer), or sent just after it with `background` (as Chatwoot's jobs do)."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from app.adapters.chatwoot.signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from app.dev.chatwoot import payloads

BASE_URL = "https://chatwoot.test"
API_TOKEN = "test-chatwoot-api-token"  # noqa: S105 (the emulator's own, not a real secret)
WEBHOOK_SECRET = "test-chatwoot-webhook-secret"  # noqa: S105 (the emulator's own)
# Posts one webhook (path under Casebridge, body, headers) and gives Casebridge's status and JSON answer.
WebhookSink = Callable[[str, bytes, dict[str, str]], Awaitable[tuple[int, dict[str, Any]]]]
_CONVERSATION = re.compile(r"^/api/v1/accounts/(\d+)/conversations/(\d+)/(messages|toggle_status)$")


@dataclass(frozen=True)
class ApiCall:
    host: str
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
        self.after_early_echo: Callable[[], Awaitable[None]] | None = None  # runs once that echo is sent
        self.background = False
        self.pending: list[dict[str, Any]] = []  # webhooks Chatwoot would send next
        self.sent: list[Sent] = []
        self.sink: WebhookSink | None = None
        self.log: dict[int, list[dict[str, Any]]] = {}  # display id -> every message, as an agent sees it
        self._ids = itertools.count(9000)
        self._tasks: set[asyncio.Task[Sent]] = set()

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
        assert self.sink is not None, "the emulator is not connected to Casebridge"
        self.statuses.setdefault(_display_id(payload), "pending")  # a conversation Chatwoot has
        body, headers, new_delivery = self.signed(payload, **signing)
        headers[DELIVERY_HEADER] = delivery or new_delivery
        status, answer = await self.sink(f"/webhooks/chatwoot/{self.connector_id}", body, headers)
        sent = Sent(payload, headers[DELIVERY_HEADER], status, answer)
        self.sent.append(sent)
        return sent

    async def write(self, display_id: int, content: str, sender: str) -> Sent:
        """Someone writes in the conversation: `customer`, `bot` (an agent bot) or `agent` (a human)."""
        message_id = next(self._ids)
        kind, who = {
            "customer": ("incoming", None),
            "bot": ("outgoing", payloads.BOT),
            "agent": ("outgoing", payloads.AGENT),
        }[sender]
        status = self.statuses.setdefault(display_id, "pending")
        self._note(display_id, message_id, content, sender)
        return await self.post(
            payloads.message_created(message_id, display_id, content, kind=kind, sender=who, status=status)
        )

    async def set_status(self, display_id: int, status: str) -> Sent | None:
        """An agent (or the bot handing over) changes the conversation's status."""
        before = self.statuses.get(display_id, "pending")
        self.statuses[display_id] = status
        if before == status:
            return None
        last = next((m for m in reversed(self.log.get(display_id, [])) if m["sender"] == "bot"), None)
        push = None
        if last is not None:
            push = payloads.push_message(last["id"], display_id, last["content"], "outgoing", payloads.BOT, 0)
        return await self.post(payloads.status_changed(display_id, before, status, last_message=push))

    def _note(self, display_id: int, message_id: int, content: str | None, sender: str) -> None:
        self.log.setdefault(display_id, []).append({"id": message_id, "content": content, "sender": sender})

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
        if display_id not in self.statuses:  # Chatwoot scopes the lookup to the account: 404
            return self._answer(request, body, token, 404, {"error": "Resource could not be found"})
        if match[3] == "messages":
            return await self._create_message(request, body or {}, token, display_id)
        return await self._toggle(request, body or {}, token, display_id)

    async def _create_message(
        self, request: httpx.Request, body: dict[str, Any], token: str | None, display_id: int
    ) -> httpx.Response:
        message_id = next(self._ids)
        created = {"id": message_id, "content": body.get("content"), "message_type": 1, "private": False}
        self.messages.setdefault(display_id, []).append(created)
        self._note(display_id, message_id, body.get("content"), "casebridge")
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
        if (
            after not in STATUSES
        ):  # assumed: Rails refuses a value outside the enum; the status code is a guess
            return self._answer(request, body, token, 422, {"error": f"'{after}' is not a valid status"})
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
            if self.after_early_echo is not None:
                await self.after_early_echo()
        elif self.background:
            task = asyncio.create_task(self._later(payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self.pending.append(payload)

    async def _later(self, payload: dict[str, Any]) -> Sent:
        await asyncio.sleep(0.05)  # after the API's answer, as Chatwoot's background job would
        return await self.post(payload)

    def _answer(
        self, request: httpx.Request, body: Any, token: str | None, status: int, answer: dict[str, Any]
    ) -> httpx.Response:
        self.calls.append(ApiCall(request.url.host, request.method, request.url.path, body, token, status))
        return httpx.Response(status, json=answer, request=request)

    @property
    def replies(self) -> list[ApiCall]:
        """Messages Chatwoot accepted through its API: what the customer sees."""
        return [c for c in self.calls if c.path.endswith("/messages") and c.answered == 200]

    @property
    def toggles(self) -> list[ApiCall]:
        return [c for c in self.calls if c.path.endswith("/toggle_status") and c.answered == 200]


STATUSES = ("open", "resolved", "pending", "snoozed")  # Conversation's status enum (conversation.rb)


def _display_id(payload: dict[str, Any]) -> int:
    """The conversation a webhook is about: `conversation.id` of a message, the payload's own `id` of a
    conversation event (both the display id)."""
    conversation = payload.get("conversation")
    return int(conversation["id"] if isinstance(conversation, dict) else payload["id"])
