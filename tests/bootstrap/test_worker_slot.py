"""Worker slots: a restarted worker takes back at once the jobs its killed predecessor held, instead of
waiting for their leases to run out."""

from __future__ import annotations

import asyncio
import signal
import time
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlmodel import select

from app.asgi import create_app
from app.bootstrap.worker_slot import claim_worker_slot, vacant_slots
from app.db.engine import create_engine, create_session_factory
from app.db.tables import JobRow
from app.settings import Settings
from tests.support.casebridge import connected_settings
from tests.support.events import CHAT_SECRET, message, signed
from tests.support.processes import sandbox_process, start, stop


async def test_a_slot_is_held_until_released_and_keeps_its_name(tmp_path: Path) -> None:
    async with AsyncExitStack() as first:
        one = claim_worker_slot(tmp_path, first)
        async with AsyncExitStack() as second:
            two = claim_worker_slot(tmp_path, second)
            assert one is not None
            assert two is not None
            assert one.prefix != two.prefix  # held: the second process gets the next slot
            assert one.worker_id.startswith(one.prefix)
        async with AsyncExitStack() as third:
            again = claim_worker_slot(tmp_path, third)
            assert again is not None
            assert (again.prefix, again.worker_id != two.worker_id) == (two.prefix, True)  # freed: reused


async def test_vacant_slots_are_those_whose_holders_are_gone_and_stay_locked_while_looked_at(
    tmp_path: Path,
) -> None:
    async with AsyncExitStack() as alive:
        async with AsyncExitStack() as dead:
            first = claim_worker_slot(tmp_path, dead)
        second = claim_worker_slot(tmp_path, alive)  # the lowest free slot: the dead one's
        third = claim_worker_slot(tmp_path, alive)
        assert first is not None
        assert second is not None
        assert third is not None
        assert second.prefix == first.prefix
        with vacant_slots(tmp_path) as vacant:
            assert vacant == []  # both used slots are held
        async with AsyncExitStack() as gone:
            fourth = claim_worker_slot(tmp_path, gone)
        assert fourth is not None
        with vacant_slots(tmp_path) as vacant:
            assert vacant == [fourth.prefix]  # its holder is gone: its jobs are orphans
            async with AsyncExitStack() as starting:
                newcomer = claim_worker_slot(tmp_path, starting)
                assert newcomer is not None
                assert newcomer.prefix != fourth.prefix  # locked while its jobs are queued again


SECRET = "slot-test-sandbox-secret"
LEASE_SECONDS = 120  # far longer than the test waits: only taking the jobs back can finish them in time


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        "CASEBRIDGE_DATA_DIR": str(settings.data_dir),
        "CASEBRIDGE_DATABASE_URL": settings.effective_database_url,
        "CASEBRIDGE_WORKERS": "4",
        "CASEBRIDGE_JOB_POLL_SECONDS": "0.05",
        "CASEBRIDGE_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "CASEBRIDGE_CREATIO_TIMEOUT_SECONDS": "60",
        "CASEBRIDGE_LOG_LEVEL": "WARNING",
    }


async def job_states(settings: Settings) -> list[tuple[str, str | None]]:
    engine = create_engine(settings.effective_database_url)
    try:
        async with create_session_factory(engine)() as session:
            return [(j.state, j.lease_owner) for j in (await session.exec(select(JobRow))).all()]
    finally:
        await engine.dispose()


async def test_a_restarted_worker_takes_back_the_jobs_its_killed_predecessor_held(tmp_path: Path) -> None:
    log = tmp_path / "processes.log"
    with sandbox_process(SECRET, log) as sandbox_url:
        settings = connected_settings(
            Settings(environment="development", data_dir=tmp_path / "var", admin_token=SecretStr("a")),
            creatio_instance_url=sandbox_url,
            creatio_client_secret=SecretStr(SECRET),
            chat_signing_secret=SecretStr(CHAT_SECRET),
            sync_delay_seconds=0,
        )
        async with httpx.AsyncClient(base_url=sandbox_url) as sandbox:
            await sandbox.put("/__sandbox/faults", json={"latency_ms": 30_000})  # Creatio hangs
        async with AsyncTestClient(app=create_app(settings)) as serve:
            for n in range(3):
                body, headers = signed(message(f"slot{n}", "m1", f"Question number {n} about my order."))
                assert (await serve.post("/api/v1/events", content=body, headers=headers)).status_code == 202
            doomed = start(["app.cli", "worker"], worker_env(settings), log)
            for _ in range(200):
                states = await job_states(settings)
                if len(states) == 3 and all(state == "running" for state, _ in states):
                    break
                await asyncio.sleep(0.1)
            assert all(state == "running" for state, _ in states), states
            doomed.send_signal(signal.SIGKILL)  # dies holding three leases
            doomed.wait()
            async with httpx.AsyncClient(base_url=sandbox_url) as sandbox:
                await sandbox.put("/__sandbox/faults", json={"latency_ms": 0})
            began = time.monotonic()
            successor = start(["app.cli", "worker"], worker_env(settings), log)
            try:
                while time.monotonic() - began < LEASE_SECONDS / 2:
                    states = await job_states(settings)
                    if all(state == "done" for state, _ in states):
                        break
                    await asyncio.sleep(0.2)
            finally:
                stop(successor)
    assert [state for state, _ in states] == ["done"] * 3
