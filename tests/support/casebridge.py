"""Casebridge under test, in-process against the in-process sandbox: the admin token, settings connected to
the sandbox, posting signed events, running the jobs, and reading what reached the app and the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlmodel import select

from app.db.tables import ConversationRow
from app.domain.creatio_ids import CaseStatusIds, RoleIds
from app.domain.creatio_platforms import CreatioPlatform
from app.domain.crm_connection import ConnectionSettings
from app.sandbox import SandboxStore
from app.sandbox.db_errors import Database
from app.sandbox.ids import SandboxIds
from app.sandbox.repository import apply_changes
from app.settings import Settings
from tests.support.events import CHAT_SECRET, signed

SANDBOX_URL = "http://127.0.0.1:8100"
SANDBOX_CLIENT_ID = "casebridge-sandbox"
SANDBOX_SECRET = "test-sandbox-secret-value"
ADMIN_TOKEN = "test-admin-token"

Client = AsyncTestClient[Litestar]
# Runs a test once against each platform the sandbox plays (the `creatio_platform` fixture): the OData root,
# the token endpoint and the discovery documents then differ, and Casebridge must find them.
BOTH_PLATFORMS = pytest.mark.parametrize("creatio_platform", ["netframework", "netcore"])


def database_of(platform: CreatioPlatform) -> Database:
    """The database the sandbox's constraint messages come from: PostgreSQL on .NET Core, as in the public
    8.1 installation (creatio-api.md section 9), SQL Server on .NET Framework; so both platform runs cover
    both forms of Creatio's foreign-key 500."""
    return "postgresql" if platform == "netcore" else "mssql"


async def wait_until_verified(client: Client) -> None:
    """The seeded connection is verified in the background, which also finds and stores the OData root; a
    test that changes Creatio (faults, deleted rows) must not have that first look meet its changes."""
    for _ in range(250):
        if (await client.get("/api/v1/admin/connection")).json().get("verified_at"):
            return
        await asyncio.sleep(0.02)


def connected_settings(settings: Settings, **overrides: object) -> Settings:
    """Settings seeded with a connection to the in-process sandbox, no in-app workers."""
    values: dict[str, object] = {
        "workers": 0,
        "chat_signing_secret": SecretStr(CHAT_SECRET),
        "retry_base_seconds": 0.01,
        "retry_max_seconds": 0.05,
        "creatio_instance_url": SANDBOX_URL,
        "creatio_client_id": SANDBOX_CLIENT_ID,
        "creatio_client_secret": SecretStr(SANDBOX_SECRET),
        "creatio_default_group_id": str(RoleIds.FIRST_LINE),
        "creatio_resolved_status_id": str(CaseStatusIds.RESOLVED),
    }
    return settings.model_copy(update=values | overrides)


async def until(condition: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    """Wait for what the app does on its own (in-app workers, the reconciliation, refresh loops)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def drain(client: Client) -> None:
    """Run every runnable job of the app to completion (the tests' stand-in for background workers)."""
    await client.app.state.runtime.runner.run_until_idle()


async def post(client: Client, event: dict[str, Any]) -> None:
    body, headers = signed(event)
    response = await client.post("/api/v1/events", content=body, headers=headers)
    assert response.status_code in (200, 202), response.text


async def post_events(client: Client, *events: dict[str, Any]) -> None:
    for event in events:
        await post(client, event)


async def conversation(client: Client, external_id: str) -> ConversationRow:
    async with client.app.state.services.sessions() as session:
        query = select(ConversationRow).where(ConversationRow.external_id == external_id)
        row: ConversationRow = (await session.exec(query)).one()
        return row


async def rows(client: Client, table: type[Any]) -> list[Any]:
    async with client.app.state.services.sessions() as session:
        return list((await session.exec(select(table))).all())


def store_of(sandbox_app: Litestar) -> SandboxStore:
    store: SandboxStore = sandbox_app.state.sandbox
    return store


def sandbox_connection(url: str, client_id: str, secret: str) -> ConnectionSettings:
    """A saved connection to a sandbox with every default set (owner, group, resolved status)."""
    return ConnectionSettings(
        instance_url=url,
        client_id=client_id,
        client_secret=SecretStr(secret),
        default_owner_id=SandboxIds.AGENT_1_CONTACT,
        default_group_id=RoleIds.FIRST_LINE,
        resolved_status_id=CaseStatusIds.RESOLVED,
    )


def written_ids(sandbox_app: Litestar) -> dict[str, set[UUID]]:
    """The Ids of the records Casebridge writes, per entity set (compare before and after: what stayed)."""
    store = store_of(sandbox_app)
    return {name: {row["Id"] for row in store.rows(name)} for name in ("Contact", "Case", "Activity")}


def cases(sandbox_app: Litestar) -> list[dict[str, Any]]:
    return store_of(sandbox_app).rows("Case")


def activities_of(sandbox_app: Litestar, case_id: Any) -> list[dict[str, Any]]:
    rows = [a for a in store_of(sandbox_app).rows("Activity") if str(a["CaseId"]) == str(case_id)]
    return sorted(rows, key=lambda a: (a["StartDate"], a["CreatedOn"]))


def agent_edits_case(sandbox_app: Litestar, case_id: UUID | str, **columns: Any) -> None:
    """A sandbox agent changes the case's columns, as in Creatio's UI."""
    store = store_of(sandbox_app)
    case = store.get("Case", case_id)
    assert case is not None, case_id
    apply_changes(store, "Case", case, columns, SandboxIds.AGENT_1_CONTACT)
