"""The conversations list's sync-state filter runs in SQL and agrees with the state shown on each row."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from app.db.admin import AdminQueries
from app.db.engine import SessionFactory
from app.db.stores.intake import conversation_queue_key
from app.db.tables import ConversationRow, JobRow, MessageRow, utcnow


async def _seed(sessions: SessionFactory) -> dict[str, str]:
    """One conversation per way of being in each state; returns external id -> expected state."""
    now = utcnow()
    expected = {
        "all-written": "synced",
        "only-done-jobs": "synced",
        "message-unsynced": "pending",
        "job-queued": "pending",
        "job-running": "pending",
        "handoff-not-applied": "pending",
        "handoff-applied-earlier-one": "pending",
        "dead-job": "failed",
        "dead-and-unsynced": "failed",
    }
    async with sessions() as session, session.begin():
        for n, external_id in enumerate(expected):
            row = ConversationRow(external_id=external_id, updated_at=now - timedelta(seconds=n))
            if external_id.startswith("handoff"):
                row.handoff_at = now
                row.handoff_applied_at = now - timedelta(hours=1) if "earlier" in external_id else None
            session.add(row)
            await session.flush()
            synced = None if "unsynced" in external_id else now
            session.add(
                MessageRow(
                    conversation_id=row.id,
                    external_id="m1",
                    author="customer",
                    text="hi",
                    sent_at=now,
                    synced_at=synced,
                )
            )
            job_state = {"only-done-jobs": "done", "job-queued": "queued", "job-running": "running"}.get(
                external_id, "dead" if "dead" in external_id else None
            )
            if job_state:
                key = conversation_queue_key(row.id)
                session.add(JobRow(kind="sync_conversation", queue_key=key, payload="{}", state=job_state))
                session.add(JobRow(kind="sync_conversation", queue_key=key, payload="{}", state="done"))
        session.add(
            JobRow(kind="deliver", queue_key="delivery:not-a-conversation", payload="{}", state="dead")
        )
    return expected


async def test_each_state_filter_finds_exactly_the_rows_shown_in_that_state(sessions: SessionFactory) -> None:
    expected = await _seed(sessions)
    queries = AdminQueries(sessions)

    shown = {
        s.conversation.external_id: s.sync_state
        for s in await queries.conversations(search=None, limit=50, offset=0)
    }
    assert shown == expected
    for state in ("synced", "pending", "failed"):
        found = await queries.conversations(search=None, limit=50, offset=0, sync_state=state)  # type: ignore[arg-type]
        assert {s.conversation.external_id for s in found} == {k for k, v in expected.items() if v == state}
        assert all(s.sync_state == state for s in found)


async def test_the_filter_pages_through_all_conversations_not_only_the_newest(
    sessions: SessionFactory,
) -> None:
    now = utcnow()
    async with sessions() as session, session.begin():
        failed = ConversationRow(external_id="old-failure", updated_at=now - timedelta(days=30))
        session.add(failed)
        await session.flush()
        session.add(
            JobRow(
                kind="sync_conversation",
                queue_key=conversation_queue_key(failed.id),
                payload="{}",
                state="dead",
            )
        )
        for n in range(250):
            session.add(ConversationRow(external_id=f"fine-{n}", updated_at=now - timedelta(seconds=n)))
    queries = AdminQueries(sessions)

    [found] = await queries.conversations(search=None, limit=50, offset=0, sync_state="failed")
    synced_page_6 = await queries.conversations(search=None, limit=50, offset=200, sync_state="synced")

    assert found.conversation.external_id == "old-failure"
    assert len(synced_page_6) == 50


async def test_conversation_rows_by_chat_id_by_case_and_by_prefix(sessions: SessionFactory) -> None:
    now = utcnow()
    case_id = uuid4()
    async with sessions() as session, session.begin():
        session.add(ConversationRow(external_id="demo_old", updated_at=now - timedelta(minutes=1)))
        session.add(ConversationRow(external_id="demo_new", updated_at=now, case_id=case_id))
        session.add(ConversationRow(external_id="chat_1", updated_at=now))
    queries = AdminQueries(sessions)

    found = await queries.by_external_id("chat_1")
    assert found is not None
    assert found.external_id == "chat_1"
    assert await queries.by_external_id("nope") is None
    linked = await queries.of_case(case_id)
    assert linked is not None
    assert linked.external_id == "demo_new"
    assert await queries.of_case(uuid4()) is None
    recent = await queries.recent_with_prefix("demo_", limit=10)
    assert [r.external_id for r in recent] == ["demo_new", "demo_old"]
    assert [r.external_id for r in await queries.recent_with_prefix("demo_", limit=1)] == ["demo_new"]


async def test_a_conversation_is_named_by_its_casebridge_id_or_its_chat_platform_id(
    sessions: SessionFactory,
) -> None:
    uuid_like = str(uuid4())
    async with sessions() as session, session.begin():
        plain = ConversationRow(external_id="conv_42")
        looks_like_uuid = ConversationRow(external_id=uuid_like)
        with_slash = ConversationRow(external_id="team/7/conv 1")
        session.add_all([plain, looks_like_uuid, with_slash])
        await session.flush()
        # A chat id that is another conversation's Casebridge id: the Casebridge id wins.
        shadowed = ConversationRow(external_id=str(plain.id))
        session.add(shadowed)
    queries = AdminQueries(sessions)

    assert await queries.conversation_id_of(str(plain.id)) == plain.id
    assert await queries.conversation_id_of(str(plain.id).upper()) == plain.id  # any spelling of a UUID
    assert await queries.conversation_id_of("conv_42") == plain.id
    assert await queries.conversation_id_of(uuid_like) == looks_like_uuid.id
    assert await queries.conversation_id_of("team/7/conv 1") == with_slash.id
    assert await queries.conversation_id_of(str(plain.id)) != shadowed.id
    assert await queries.conversation_id_of(uuid_like.upper()) is None  # a chat id is matched exactly
    assert await queries.conversation_id_of("CONV_42") is None
    assert await queries.conversation_id_of(str(uuid4())) is None
    assert await queries.conversation_id_of("") is None
