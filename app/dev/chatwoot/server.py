"""The Chatwoot emulator as a server for `make run CHAT=chatwoot`: Chatwoot's API (what Casebridge calls)
and a control API to play the conversation's people (what Chatwoot's widget and agents would do):

    POST /__chatwoot/conversations/<id>/messages  {"content": "...", "sender": "customer" | "bot" | "agent"}
    POST /__chatwoot/conversations/<id>/status    {"status": "open" | "resolved" | ...}
    GET  /__chatwoot/conversations                every conversation's status and messages (Casebridge's too)
    GET  /__chatwoot/calls                        the API calls Casebridge made
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

import httpx

from app.dev.chatwoot.emulator import ChatwootEmulator, Sent, WebhookSink

_CONTROL = re.compile(r"^/__chatwoot/conversations/(\d+)/(messages|status)$")
Scope = dict[str, Any]


class ChatwootServer:
    """A raw ASGI app around one emulator."""

    def __init__(self, emulator: ChatwootEmulator) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = await _body(receive)
        path: str = scope["path"]
        if path.startswith("/__chatwoot/"):
            status, answer = await self._control(scope["method"], path, body)
            await _answer(send, status, json.dumps(answer, default=str).encode())
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        url = f"http://chatwoot{path}" + (
            f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        )
        request = httpx.Request(scope["method"], url, headers=headers, content=body)
        try:
            response = await self.emulator.handle_async_request(request)
        except httpx.TimeoutException:
            await _answer(send, 504, b'{"error": "emulated timeout"}')
            return
        await _answer(send, response.status_code, await response.aread())

    async def _control(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        emulator = self.emulator
        if method == "GET" and path == "/__chatwoot/conversations":
            return 200, {
                str(i): {"status": emulator.statuses.get(i), "messages": m} for i, m in emulator.log.items()
            }
        if method == "GET" and path == "/__chatwoot/calls":
            return 200, [asdict(call) for call in emulator.calls]
        match = _CONTROL.match(path)
        if method != "POST" or match is None:
            return 404, {"error": "no such control endpoint"}
        data = json.loads(body or b"{}")
        display_id = int(match[1])
        if match[2] == "messages":
            sender = str(data.get("sender") or "customer")
            if sender not in ("customer", "bot", "agent"):
                return 400, {"error": "sender: customer, bot or agent"}
            return 200, _sent(await emulator.write(display_id, str(data.get("content") or ""), sender))
        sent = await emulator.set_status(display_id, str(data.get("status") or "open"))
        return 200, _sent(sent) if sent else {"unchanged": True}


def _sent(sent: Sent) -> dict[str, Any]:
    return {"casebridge_status": sent.status, "casebridge_answer": sent.answer}


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def http_sink(casebridge_url: str, http: httpx.AsyncClient) -> WebhookSink:
    """The emulator's webhooks to a running Casebridge."""

    async def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        response = await http.post(f"{casebridge_url}{path}", content=body, headers=headers)
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:
            answer = {"body": response.text[:200]}
        return response.status_code, answer

    return post
