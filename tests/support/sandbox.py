"""A sandbox app per test, driven over ASGI in the test's event loop (or served on loopback by a thread),
and a webhook receiver for its business process."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from litestar import Litestar

from app.sandbox import SandboxStore
from tests.support.processes import free_port

CLIENT_ID = "casebridge-sandbox"
CLIENT_SECRET = "sandbox-secret"
BASE = "http://sandbox.test"
ODATA = f"{BASE}/0/odata"


def error_message(body: Any) -> str:
    """The most specific text of Creatio's OData error body (`innererror.internalexception.message`)."""
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == ""
    assert error["message"] == "An error has occurred."
    return str(error["innererror"]["internalexception"]["message"])


@dataclass
class Receiver:
    """A webhook receiver behind httpx.MockTransport; `script` lists answers: status codes or "hang"."""

    script: list[int | str] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        action = self.script.pop(0) if self.script else 200
        if action == "hang":
            await asyncio.sleep(30)
        return httpx.Response(int(action) if action != "hang" else 200, json={"ok": True})


@dataclass
class Sandbox:
    app: Litestar
    store: SandboxStore
    client: httpx.AsyncClient
    auth: dict[str, str] = field(default_factory=dict)

    async def login(self) -> str:
        on_root = self.store.config.platform == "netcore"  # no /0 prefix on .NET Core
        token = await fetch_token(self.client, "/connect/token" if on_root else "/0/connect/token")
        self.auth = {"Authorization": f"Bearer {token}"}
        return token

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(url, headers=self.auth | kwargs.pop("headers", {}), **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.post(url, headers=self.auth | kwargs.pop("headers", {}), **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.patch(url, headers=self.auth | kwargs.pop("headers", {}), **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.delete(url, headers=self.auth | kwargs.pop("headers", {}), **kwargs)

    async def create_case(self, **body: Any) -> dict[str, Any]:
        response = await self.post("/0/odata/Case", json={"Subject": "Printer on fire"} | body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


async def fetch_token(client: httpx.AsyncClient, path: str = "/0/connect/token") -> str:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    response = await client.post(path, data=form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


MakeSandbox = Callable[..., Awaitable[Sandbox]]


@contextmanager
def served(app: Litestar) -> Iterator[str]:
    """The sandbox app served on a free loopback port by a thread of its own, for code that opens its own
    connections (a command run in the test's thread); yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandbox-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start serving")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
