"""A connection saved through one process is in force in the others within `connection_refresh_seconds`
(CASEBRIDGE_CONNECTION_REFRESH_SECONDS): a new client (token, caches) and the new defaults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlmodel import select

from app.asgi import Adapters, create_app
from app.bootstrap.runtime import Runtime, build_runtime
from app.db.engine import create_engine, create_session_factory
from app.db.tables import ConversationRow, JobRow
from app.domain.crm_connection import ConnectionSettingsInput
from app.settings import Settings
from tests.support.casebridge import connected_settings
from tests.support.events import CHAT_SECRET, handoff, message, signed
from tests.support.processes import sandbox_process, start, stop


def flipped(runtime: Runtime, **changes: Any) -> ConnectionSettingsInput:
    """The saved connection as the settings form would send it again, with `changes` (no secret typed)."""
    assert runtime.connection.saved is not None
    saved = runtime.connection.saved.settings
    values = {
        "instance_url": saved.instance_url,
        "identity_url": saved.identity_url,
        "client_id": saved.client_id,
        "client_secret": None,
        "default_owner_id": saved.default_owner_id,
        "default_group_id": saved.default_group_id,
        "resolved_status_id": saved.resolved_status_id,
        "create_case_only_on_handoff": saved.create_case_only_on_handoff,
    }
    return ConnectionSettingsInput.model_validate(values | changes)


def handoff_only(runtime: Runtime) -> bool:
    current = runtime.connection.current()
    assert current is not None
    return current[1].create_case_only_on_handoff


@pytest.fixture
async def two_processes(
    settings: Settings, database_url: str, sandbox_http: httpx.AsyncClient
) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """Two runtimes on one database, as two processes have (each its own client, caches and runner)."""
    shared = connected_settings(settings, database_url=database_url, connection_refresh_seconds=0.2)
    async with AsyncExitStack() as stack:
        first = await build_runtime(shared, Adapters(creatio_http=sandbox_http), stack)
        second = await build_runtime(shared, Adapters(creatio_http=sandbox_http), stack)
        yield first, second


async def test_taking_up_a_save_builds_a_new_client_once(two_processes: tuple[Runtime, Runtime]) -> None:
    first, second = two_processes
    client_before = second.connection.client
    assert not handoff_only(second)
    report = await first.connection.test_and_save(flipped(first, create_case_only_on_handoff=True))
    assert report.saved, report
    await second.connection.follow_saved()  # what its refresh loop does every interval
    assert handoff_only(second)
    assert second.connection.client is not client_before  # a new client: a new token, fresh caches
    assert second.connection.client is not first.connection.client
    assert await second.connection.follow_saved() is False  # taken up once


async def test_every_process_takes_it_up_within_the_refresh_interval(
    two_processes: tuple[Runtime, Runtime],
) -> None:
    first, second = two_processes
    report = await first.connection.test_and_save(flipped(first, create_case_only_on_handoff=True))
    assert report.saved, report
    for _ in range(100):  # 0.2 s refresh; allow a busy machine up to 5 s
        if handoff_only(second):
            break
        await asyncio.sleep(0.05)
    assert handoff_only(second)
    versions = {runtime.connection.saved.version for runtime in (first, second) if runtime.connection.saved}
    assert len(versions) == 1


async def test_the_saving_process_does_not_reload_its_own_save(
    two_processes: tuple[Runtime, Runtime],
) -> None:
    first, _ = two_processes
    await first.connection.test_and_save(flipped(first, create_case_only_on_handoff=True))
    client = first.connection.client
    assert await first.connection.follow_saved() is False
    assert first.connection.client is client


SECRET = "follow-test-sandbox-secret"


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        "CASEBRIDGE_DATA_DIR": str(settings.data_dir),
        "CASEBRIDGE_DATABASE_URL": settings.effective_database_url,
        "CASEBRIDGE_WORKERS": "4",
        "CASEBRIDGE_JOB_POLL_SECONDS": "0.05",
        "CASEBRIDGE_SYNC_DELAY_SECONDS": "0",
        "CASEBRIDGE_LOG_LEVEL": "WARNING",
    }


async def synced(database_url: str, external_id: str) -> ConversationRow:
    """The conversation once every job is finished (the worker process runs them)."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        for _ in range(300):
            async with sessions() as session:
                active = (await session.exec(select(JobRow).where(JobRow.state != "done"))).all()
                row = (
                    await session.exec(
                        select(ConversationRow).where(ConversationRow.external_id == external_id)
                    )
                ).first()
            if row is not None and not active:
                return row
            await asyncio.sleep(0.1)
        raise AssertionError(f"{external_id}: jobs still active: {[(j.kind, j.state) for j in active]}")
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_save_through_serve_is_in_force_in_a_worker_process(
    tmp_path: Path, postgres_url: str
) -> None:
    """`casebridge serve` with no workers (here in-process) and one `casebridge worker` process on
    PostgreSQL: once Test & Save turned on "create case only on handoff", the worker's next sync follows
    it."""
    log = tmp_path / "processes.log"
    with sandbox_process(SECRET, log) as sandbox_url:
        settings = connected_settings(
            Settings(environment="development", data_dir=tmp_path / "var", admin_token=SecretStr("a")),
            database_url=postgres_url,
            creatio_instance_url=sandbox_url,
            creatio_client_secret=SecretStr(SECRET),
            chat_signing_secret=SecretStr(CHAT_SECRET),
        )
        async with AsyncTestClient(app=create_app(settings)) as serve:
            serve.headers["Authorization"] = "Bearer a"
            worker = start(["app.cli", "worker"], worker_env(settings), log)
            try:
                await post(serve, message("before", "m1", "My invoice is wrong and I need help."))
                assert (await synced(postgres_url, "before")).case_id is not None  # a case at once

                saved = (await serve.get("/api/v1/admin/connection")).json()
                form = {k: saved[k] for k in ("instance_url", "identity_url", "client_id")}
                answer = await serve.put(
                    "/api/v1/admin/connection",
                    json=form | {"create_case_only_on_handoff": True, "resolved_status_id": None},
                )
                assert answer.json()["saved"] is True, answer.text
                await asyncio.sleep(1.5)  # the bound: CASEBRIDGE_CONNECTION_REFRESH_SECONDS, 1 s

                await post(serve, message("after", "m1", "My parcel never arrived, can you check?"))
                assert (await synced(postgres_url, "after")).case_id is None  # waits for the handoff
                await post(serve, handoff("after", "Customer asks for a refund of the parcel."))
                assert (await synced(postgres_url, "after")).case_id is not None
            finally:
                stop(worker)


async def post(client: AsyncTestClient[Any], event: dict[str, Any]) -> None:
    body, headers = signed(event)
    response = await client.post("/api/v1/events", content=body, headers=headers)
    assert response.status_code == 202, response.text
