"""Races the benchmarks found: concurrent first events of a conversation, a handoff during the first sync."""

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

from app.db.engine import SessionFactory, create_engine, create_session_factory, upgrade_to_head
from app.db.sqlite_writer import SqliteWriter
from app.db.stores.intake import EventIntake
from app.db.tables import ConversationRow, JobRow, MessageRow, utcnow
from app.db.transactions import EngineTransactions
from app.domain.events import CHAT_EVENT
from tests.support.casebridge import conversation, drain, post, store_of
from tests.support.events import handoff, message, resolved, signed


async def test_concurrent_first_events_of_a_new_conversation_are_both_kept(sessions: SessionFactory) -> None:
    pairs = [
        (message(f"race{n}", "a", "first", t=0), message(f"race{n}", "b", "second", t=1)) for n in range(20)
    ]
    intake = EventIntake(EngineTransactions(sessions.kw["bind"]))
    outcomes = await asyncio.gather(
        *(intake.record(CHAT_EVENT.validate_python(e), signed(e)[0]) for pair in pairs for e in pair)
    )
    assert outcomes == ["accepted"] * 40
    async with sessions() as session:
        conversations = (await session.exec(select(func.count()).select_from(ConversationRow))).one()
        messages = (await session.exec(select(func.count()).select_from(MessageRow))).one()
    assert (conversations, messages) == (20, 40)


async def test_a_handoff_arriving_during_the_first_sync_is_applied_by_the_next(
    synced_client: AsyncTestClient[Litestar], sandbox_app: Litestar
) -> None:
    runtime = synced_client.app.state.runtime
    for _ in range(250):  # the seeded connection's background test swaps the CRM client when it passes
        if (await synced_client.get("/api/v1/admin/connection")).json()["verified_at"]:
            break
        await asyncio.sleep(0.02)
    crm = runtime.connection.current()[0]
    original = crm.find_contact

    async def find_contact_then_handoff(*args: Any, **kwargs: Any) -> Any:
        event = handoff("r1", "Needs a human", t=50)
        await runtime.intake.record(CHAT_EVENT.validate_python(event), signed(event)[0])
        return await original(*args, **kwargs)

    crm.find_contact = find_contact_then_handoff
    await post(synced_client, message("r1", "m1", "Hello", t=0))
    await runtime.runner.run_until_idle()  # the first sync and the one the handoff queued
    row = await conversation(synced_client, "r1")
    assert row.handoff_at is not None
    assert row.handoff_applied_at == row.handoff_at
    # The first sync created the case before it saw the handoff; the second applied it (owner, group, fields).
    assert store_of(sandbox_app).stats.snapshot()["odata"]["PATCH"] == {"Case": 1}
    crm.find_contact = original
    await drain(synced_client)


async def test_sqlite_writer_groups_events_and_rolls_back_duplicates_alone(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    engine = create_engine(url)
    await upgrade_to_head(engine)
    writer = SqliteWriter(tmp_path / "w.db")
    intake = EventIntake(writer)
    try:
        events = [message(f"w{n % 5}", f"m{n}", f"text {n}", t=n) for n in range(50)]
        repeated = events[7]
        outcomes = await asyncio.gather(
            *(intake.record(CHAT_EVENT.validate_python(e), signed(e)[0]) for e in [*events, repeated])
        )
    finally:
        writer.close()
    assert outcomes.count("accepted") == 50
    assert outcomes.count("duplicate") == 1
    async with create_session_factory(engine)() as session:
        stored = (await session.exec(select(func.count()).select_from(MessageRow))).one()
        conversations = (await session.exec(select(func.count()).select_from(ConversationRow))).one()
    await engine.dispose()
    assert (stored, conversations) == (50, 5)


async def test_events_arriving_within_the_sync_delay_share_one_job(sessions: SessionFactory) -> None:
    intake = EventIntake(EngineTransactions(sessions.kw["bind"]), sync_delay=timedelta(seconds=30))
    events = [message("d1", "m1", "Hello", t=0), message("d1", "m2", "Still there?", t=1), handoff("d1", "x")]
    before = utcnow()
    for event in events:
        assert await intake.record(CHAT_EVENT.validate_python(event), signed(event)[0]) == "accepted"
    async with sessions() as session:
        jobs = (await session.exec(select(JobRow))).all()
    [job] = jobs  # one sync for the three events, due after the delay
    assert job.state == "queued"
    assert job.run_after >= before + timedelta(seconds=29)


async def test_a_resolution_makes_the_waiting_sync_due_at_once(sessions: SessionFactory) -> None:
    intake = EventIntake(EngineTransactions(sessions.kw["bind"]), sync_delay=timedelta(seconds=30))
    for event in (message("d2", "m1", "Thanks, solved", t=0), resolved("d2", t=5)):
        parsed = CHAT_EVENT.validate_python(event)
        assert await intake.record(parsed, signed(event)[0]) == "accepted"
    later_message = CHAT_EVENT.validate_python(message("d2", "m9", "x"))
    assert intake.sync_delay_for(later_message) == timedelta(seconds=30)
    assert intake.sync_delay_for(CHAT_EVENT.validate_python(resolved("d2"))) == timedelta(0)
    async with sessions() as session:
        [job] = (await session.exec(select(JobRow))).all()  # still one job for both events
    assert job.state == "queued"
    assert job.run_after <= utcnow()  # the message's 30 s wait was cut short: nothing comes after
