"""The app with auto-fill on (the shipped mapping and prompts), and an agent's edit of a case in Creatio."""

from __future__ import annotations

import json
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.settings import Settings
from tests.support.casebridge import (
    ADMIN_TOKEN,
    SANDBOX_CLIENT_ID,
    SANDBOX_SECRET,
    Client,
    connected_settings,
)
from tests.support.paths import MAPPINGS, PROMPTS


def autofill_settings(settings: Settings, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"field_mappings_dir": MAPPINGS, "prompts_dir": PROMPTS}
    return connected_settings(settings, **(values | overrides))


async def open_client(settings: Settings, adapters: Adapters) -> Client:
    client = AsyncTestClient(app=create_app(settings, adapters))
    client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    return client


async def sandbox_token(sandbox_http: httpx.AsyncClient) -> str:
    response = await sandbox_http.post(
        "/0/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_SECRET,
        },
    )
    token: str = response.json()["access_token"]
    return token


async def agent_patches_case(sandbox_http: httpx.AsyncClient, case_id: str, body: dict[str, Any]) -> None:
    """What an agent's edit in Creatio amounts to: a PATCH of the case over OData."""
    token = await sandbox_token(sandbox_http)
    response = await sandbox_http.patch(
        f"/0/odata/Case({case_id})", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204, response.text


class WatchedTransport(httpx.AsyncBaseTransport):
    """Passes requests on to `client` and keeps every JSON body Casebridge writes to Creatio (the
    sub-request bodies of a $batch one by one) in `bodies`."""

    def __init__(self, client: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> None:
        self._client = client
        self.bodies = bodies

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        if request.method in ("POST", "PATCH") and "/connect/" not in request.url.path:
            payload = json.loads(content)
            requests = payload.get("requests") if request.url.path.endswith("$batch") else None
            self.bodies.extend(r["body"] for r in requests or [] if "body" in r)
            if requests is None:
                self.bodies.append(payload)
        response = await self._client.send(
            self._client.build_request(request.method, request.url, headers=request.headers, content=content)
        )
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)
