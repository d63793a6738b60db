"""The fault test: a faulty Creatio and a worker killed mid-run; nothing is lost, duplicated or reordered."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlmodel import col, select

from app.asgi import create_app
from app.db.engine import SessionFactory, create_engine, create_session_factory
from app.db.tables import ConversationRow, JobRow, MessageRow
from app.domain.creatio_ids import CaseStatusIds, RoleIds
from app.settings import Settings
from tests.support.events import CHAT_SECRET, handoff, message, resolved, signed
from tests.support.processes import sandbox_process, start, stop

CONVERSATIONS = 50
SECRET = "fault-test-sandbox-secret"
FAULTS = [
    "--error-rate",
    "0.1",
    "--rate-429",
    "0.05",
    "--retry-after",
    "1",
    "--timeout-rate",
    "0.03",
    "--timeout-seconds",
    "2",
    "--seed",
    "11",
    "--token-lifetime",
    "4",
]


def conversation_events(n: int) -> list[dict[str, Any]]:
    conv = f"f{n:03}"
    texts = [f"{conv} message {i}" for i in range(4)]
    events = [
        message(conv, f"m{i}", text, author="ai" if i % 2 else "customer", t=i * 10)
        for i, text in enumerate(texts)
    ]
    if n % 5 == 0:
        events[1], events[2] = events[2], events[1]  # arrives out of order
    return [*events, handoff(conv, f"{conv} needs a human", t=100), resolved(conv, t=200)]


def settings_for(tmp_path: Path, database_url: str, sandbox_url: str) -> Settings:
    return Settings(
        environment="development",
        data_dir=tmp_path / "var",
        database_url=database_url,
        admin_token=SecretStr("fault-admin"),
        chat_signing_secret=SecretStr(CHAT_SECRET),
        workers=0,
        creatio_instance_url=sandbox_url,
        creatio_client_id="casebridge-sandbox",
        creatio_client_secret=SecretStr(SECRET),
        creatio_default_group_id=RoleIds.FIRST_LINE,
        creatio_resolved_status_id=CaseStatusIds.RESOLVED,
    )


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        "CASEBRIDGE_DATA_DIR": str(settings.data_dir),
        "CASEBRIDGE_DATABASE_URL": settings.effective_database_url,
        "CASEBRIDGE_WORKERS": "8",
        "CASEBRIDGE_JOB_LEASE_SECONDS": "5",
        "CASEBRIDGE_JOB_POLL_SECONDS": "0.05",
        "CASEBRIDGE_RETRY_BASE_SECONDS": "0.05",
        "CASEBRIDGE_RETRY_MAX_SECONDS": "0.5",
        "CASEBRIDGE_CREATIO_TIMEOUT_SECONDS": "1",
        "CASEBRIDGE_LOG_LEVEL": "WARNING",
    }


async def post_all(client: AsyncTestClient[Litestar], events: list[dict[str, Any]]) -> None:
    for event in events:
        body, headers = signed(event)
        response = await client.post("/api/v1/events", content=body, headers=headers)
        assert response.status_code == 202, response.text


async def wait_until_synced(sessions: SessionFactory, limit_seconds: float = 150.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_seconds
    while asyncio.get_running_loop().time() < deadline:
        async with sessions() as session:
            active = (
                await session.exec(select(JobRow).where(col(JobRow.state).in_(["queued", "running"])))
            ).all()
        if not active:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{len(active)} jobs still active after {limit_seconds} s")


async def check_creatio(sessions: SessionFactory, sandbox_url: str) -> None:
    async with sessions() as session:
        conversations = (await session.exec(select(ConversationRow))).all()
        messages = (await session.exec(select(MessageRow))).all()
        dead = (await session.exec(select(JobRow).where(JobRow.state == "dead"))).all()
    assert [j.last_error for j in dead] == []
    by_conversation: dict[Any, list[MessageRow]] = {}
    for m in messages:
        by_conversation.setdefault(m.conversation_id, []).append(m)
    async with httpx.AsyncClient(base_url=sandbox_url) as sandbox:
        assert len((await sandbox.get("/__sandbox/cases")).json()["cases"]) == CONVERSATIONS
        for conv in conversations:
            detail = (await sandbox.get(f"/__sandbox/cases/{conv.case_id}")).json()
            case, activities = detail["case"], detail["activities"]
            status, group = UUID(case["StatusId"]), UUID(case["GroupId"])
            assert (status, group) == (CaseStatusIds.RESOLVED, RoleIds.FIRST_LINE), conv.external_id
            expected = sorted(by_conversation[conv.id], key=lambda m: m.sent_at)
            ids = [a["Id"] for a in sorted(activities, key=lambda a: a["StartDate"])]
            assert ids == [str(m.id) for m in expected], conv.external_id  # each once, in order


async def test_faults_and_killed_workers_lose_duplicate_and_reorder_nothing(
    database_url: str, tmp_path: Path
) -> None:
    """On SQLite one worker is killed and one restarted; on PostgreSQL two run side by side after the kill."""
    events = [conversation_events(n) for n in range(CONVERSATIONS)]
    first, second = [e for conv in events for e in conv[:3]], [e for conv in events for e in conv[3:]]
    log = tmp_path / "processes.log"
    with sandbox_process(SECRET, log, *FAULTS) as sandbox_url:
        settings = settings_for(tmp_path, database_url, sandbox_url)
        # The app serves from its own event loop; the test reads the database on a connection of its own.
        engine = create_engine(database_url)
        sessions = create_session_factory(engine)
        async with AsyncTestClient(app=create_app(settings)) as client:
            await post_all(client, first)
            doomed = start(["app.cli", "worker"], worker_env(settings), log)
            await asyncio.sleep(2.0)
            doomed.send_signal(signal.SIGKILL)  # dies holding leases, possibly mid-request
            doomed.wait()
            async with httpx.AsyncClient() as control:
                await control.post(f"{sandbox_url}/__sandbox/tokens/revoke")
            await post_all(client, second)
            workers = [
                start(["app.cli", "worker"], worker_env(settings), log)
                for _ in range(1 if database_url.startswith("sqlite") else 2)
            ]
            try:
                await wait_until_synced(sessions)
            finally:
                for worker in workers:
                    stop(worker)
            await check_creatio(sessions, sandbox_url)
        await engine.dispose()
        async with httpx.AsyncClient() as control:
            faults = (await control.get(f"{sandbox_url}/__sandbox/stats")).json()["faults"]
    assert faults["5xx"] > 0
    assert faults["429"] > 0
