"""A recording chat platform on loopback: checks signatures, records every delivery, can be down or refuse."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import uvicorn

from app.domain.signature import SIGNATURE_HEADER, SignatureError, verify
from tests.support.processes import free_port


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    answered: int

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


class FakeChatPlatform:
    """Answers `answer_status` (200 by default) to correctly signed POSTs and 401 to the others."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.port = free_port()
        self.answer_status = 200
        self.received: list[Received] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/casebridge/deliveries"

    @property
    def accepted(self) -> list[Received]:
        """What the platform took (2xx): what a customer would see."""
        return [r for r in self.received if 200 <= r.answered < 300]

    async def start(self) -> None:
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="off",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(1000):
            if self._server.started:
                return
            await asyncio.sleep(0.01)
        raise TimeoutError("the fake chat platform did not start")

    async def stop(self) -> None:
        """Down: connections are refused until `start` again (same port)."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server, self._task = None, None

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            verify(headers.get(SIGNATURE_HEADER.lower()), body, [self.secret])
            valid = True
        except SignatureError:
            valid = False
        status = self.answer_status if valid else 401
        self.received.append(Received(headers, body, valid, status))
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"not today"})
