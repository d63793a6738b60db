"""Fixtures of the field auto-fill tests: the shipped mapping and prompts, an app with auto-fill on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.extraction.mapping import FieldMapping
from app.extraction.mapping_loader import load_mapping
from app.extraction.prompts import PromptSet
from app.settings import Settings
from tests.conftest import ADMIN_TOKEN, SANDBOX_CLIENT_ID, SANDBOX_SECRET, connected_settings

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "field_mappings"
PROMPTS = REPO / "prompts"
Client = AsyncTestClient[Litestar]


@pytest.fixture(scope="session")
def mapping() -> FieldMapping:
    loaded = load_mapping(MAPPINGS)
    assert loaded.ok, loaded.problems
    return loaded


@pytest.fixture(scope="session")
def prompts() -> PromptSet:
    return PromptSet(PROMPTS)


def autofill_settings(settings: Settings, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"field_mappings_dir": MAPPINGS, "prompts_dir": PROMPTS}
    return connected_settings(settings, **(values | overrides))


async def open_client(settings: Settings, adapters: Adapters) -> Client:
    client = AsyncTestClient(app=create_app(settings, adapters))
    client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    return client


@pytest.fixture
async def autofill_client(settings: Settings, sandbox_http: httpx.AsyncClient) -> AsyncIterator[Client]:
    """The app connected to the in-process sandbox with field_mappings/default.yaml and no LLM key."""
    async with await open_client(autofill_settings(settings), Adapters(creatio_http=sandbox_http)) as client:
        yield client


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
