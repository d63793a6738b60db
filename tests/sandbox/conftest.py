"""Fixtures: a sandbox app per test, driven over ASGI in the test's event loop, and a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.sandbox import SandboxConfig, create_sandbox_app
from tests.support.sandbox import BASE, MakeSandbox, Receiver, Sandbox


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
async def make_sandbox(receiver: Receiver) -> AsyncIterator[MakeSandbox]:
    """Factory: `await make_sandbox(**SandboxConfig fields, login=True)`; everything is closed afterwards."""
    opened: list[tuple[Sandbox, httpx.AsyncClient]] = []

    async def factory(login: bool = True, **config: Any) -> Sandbox:
        config.setdefault("webhook_retry_delay_seconds", 0.0)
        webhook_http = httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle))
        app = create_sandbox_app(SandboxConfig(**config), http_client=webhook_http)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)  # type: ignore[arg-type]
        sandbox = Sandbox(app, app.state.sandbox, client)
        opened.append((sandbox, webhook_http))
        if login:
            await sandbox.login()
        return sandbox

    yield factory
    for sandbox, webhook_http in opened:
        await sandbox.store.aclose()
        await sandbox.client.aclose()
        await webhook_http.aclose()


@pytest.fixture
async def sb(make_sandbox: MakeSandbox) -> Sandbox:
    return await make_sandbox()
