"""DB guarantees, on SQLite and PostgreSQL: one reconciliation lease, each delivery stored once, one token."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlmodel import select

from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.stores.conversations import IN_FLIGHT_BOUND, load_snapshot
from app.db.stores.deliveries import DeliveryStore
from app.db.stores.reconcile import ReconcileStore
from app.db.stores.webhook_token import WebhookTokenStore
from app.db.tables import ConversationRow, CreatioWebhookRow, DeliveryRow, JobRow, utcnow
from app.domain.crm_updates import ChatNotice
from app.ports.jobs import JobKind
from app.ports.stores import NewDelivery, ReconcileCursors, ScanCursor, StatusUpdate

LEASE = timedelta(seconds=30)


async def all_rows(sessions: SessionFactory, table: type) -> list:  # type: ignore[type-arg]
    async with sessions() as session:
        return list((await session.exec(select(table))).all())


async def test_the_poll_lease_has_one_holder_and_keeps_its_cursors(sessions: SessionFactory) -> None:
    store, now = ReconcileStore(sessions), utcnow()
    won = await asyncio.gather(*(store.acquire(f"w{n}", now, LEASE) for n in range(4)))
    assert [w is not None for w in won].count(True) == 1
    owner = f"w{[w is not None for w in won].index(True)}"
    assert await store.acquire("late", now, LEASE, force=True) is None  # held, even when forced
    cursors = ReconcileCursors(ScanCursor(datetime(2026, 1, 2, tzinfo=UTC), True), ScanCursor())
    await store.release("not-the-owner", ReconcileCursors(), next_run_at=now, error=None)  # ignored
    await store.release(owner, cursors, next_run_at=now + timedelta(minutes=1), error=None)
    assert await store.acquire("w9", utcnow(), LEASE) is None  # not due yet
    assert await store.acquire("w9", utcnow(), LEASE, force=True) == cursors


async def test_concurrent_checks_store_each_delivery_once(sessions: SessionFactory) -> None:
    conversation = ConversationRow(external_id="c1", case_id=uuid4(), case_created_at=utcnow())
    async with sessions() as session, session.begin():
        session.add(conversation)
    assert conversation.case_id is not None
    store = DeliveryStore(sessions)
    notice = ChatNotice("agent.replied", "c1", utcnow(), conversation.case_id, "SR1", uuid4(), "Hi", "Maria")
    resolved = ChatNotice("conversation.resolved", "c1", utcnow(), conversation.case_id, "SR1")
    batch = [
        NewDelivery(f"activity:{notice.activity_id}", notice),
        NewDelivery(f"status:{conversation.id}:1", resolved),
    ]
    status = StatusUpdate("resolved", "resolved", utcnow())
    stored = await asyncio.gather(*(store.record(conversation.id, batch, status) for _ in range(3)))
    assert sorted(stored) == [0, 0, 2]
    assert len(await all_rows(sessions, DeliveryRow)) == 2
    assert [j.kind for j in await all_rows(sessions, JobRow)] == [
        JobKind.CHAT_DELIVERY,
        JobKind.CHAT_DELIVERY,
    ]
    link = await store.link(conversation.id)
    assert link is not None
    assert (link.conversation.status, link.conversation.case_status_applied) == ("resolved", "resolved")
    assert (link.delivered_activity_ids, link.status_notices) == ({notice.activity_id}, 1)


async def test_text_from_creatio_with_nul_characters_is_stored_without_them(sessions: SessionFactory) -> None:
    """PostgreSQL cannot store U+0000, and Creatio's records are not ours to refuse."""
    conversation = ConversationRow(external_id="c1", case_id=uuid4(), case_created_at=utcnow())
    async with sessions() as session, session.begin():
        session.add(conversation)
    assert conversation.case_id is not None
    notice = ChatNotice(
        "agent.replied", "c1", utcnow(), conversation.case_id, "SR1", uuid4(), "Hi\x00 there", "Ma\x00ria"
    )
    await DeliveryStore(sessions).record(conversation.id, [NewDelivery("activity:x", notice)], None)
    [row] = await all_rows(sessions, DeliveryRow)
    assert (row.text, row.author_name) == ("Hi there", "Maria")


async def test_one_webhook_token_checked_and_rotated(sessions: SessionFactory) -> None:
    box = SecretBox(SecretBox.generate_key())
    stores = [WebhookTokenStore(sessions, box) for _ in range(3)]
    await asyncio.gather(*(s.ensure() for s in stores))
    assert len(await all_rows(sessions, CreatioWebhookRow)) == 1
    token = (await stores[0].current()).value
    assert await stores[1].matches(token)
    assert not await stores[1].matches(token[:-1])
    assert not await stores[1].matches(None)
    rotated = await stores[2].rotate()
    assert not await stores[0].matches(token)
    assert await stores[0].matches(rotated.value)
    [row] = await all_rows(sessions, CreatioWebhookRow)
    assert rotated.value not in (row.token_hash + row.token_encrypted)  # never stored in clear


async def test_the_previous_webhook_token_works_only_during_its_grace_period(
    sessions: SessionFactory,
) -> None:
    store = WebhookTokenStore(sessions, SecretBox(SecretBox.generate_key()))
    await store.ensure()
    first = (await store.current()).value
    second = await store.rotate(timedelta(hours=1))
    assert await store.matches(first)
    assert await store.matches(second.value)
    assert (await store.current()).previous_valid_until == second.previous_valid_until

    async with sessions() as session, session.begin():
        row = await session.get(CreatioWebhookRow, 1)
        assert row is not None
        row.previous_valid_until = utcnow() - timedelta(seconds=1)
    assert not await store.matches(first)
    assert await store.matches(second.value)
    assert (await store.current()).previous_valid_until is None
    with pytest.raises(ValueError, match="grace period"):
        await store.rotate(timedelta(days=2))


async def test_the_first_time_chat_delivery_was_enabled_is_kept(sessions: SessionFactory) -> None:
    store = DeliveryStore(sessions)
    first = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    starts = [first + timedelta(minutes=n) for n in range(4)]  # four processes starting together

    seen = await asyncio.gather(*(store.chat_enabled_since(at) for at in starts))
    later = await store.chat_enabled_since(first + timedelta(days=3))  # a restart days later

    assert len(set(seen)) == 1
    assert seen[0] in starts
    assert later == seen[0]


async def test_webhook_calls_are_recorded_for_every_process_to_see(sessions: SessionFactory) -> None:
    from app.db.stores.webhook_token import WebhookSightings
    from app.web.crm_to_chat_status import WebhookCallRecorder

    box = SecretBox(SecretBox.generate_key())
    this_process, other_process = WebhookTokenStore(sessions, box), WebhookTokenStore(sessions, box)
    await this_process.ensure()
    assert await other_process.sightings() == WebhookSightings()

    clock = [100.0]
    recorder = WebhookCallRecorder(clock=lambda: clock[0])
    await recorder.note(this_process, 202)
    await recorder.note(this_process, 401)
    first_refusal = (await other_process.sightings()).last_refused_at
    clock[0] += 5
    await recorder.note(this_process, 400)  # within 10 s of the last refused write: not written
    seen = await other_process.sightings()

    assert seen.last_accepted_at is not None
    assert (seen.last_refused_at, seen.last_refused_status) == (first_refusal, 401)
    clock[0] += 6
    await recorder.note(this_process, 400)
    assert (await other_process.sightings()).last_refused_status == 400


async def test_an_attempt_under_way_holds_the_sync_of_a_connectors_conversation_until_its_outcome(
    sessions: SessionFactory,
) -> None:
    """The sync reads it (load_snapshot): a chat connector's echo may arrive before the answer."""
    conversation = ConversationRow(external_id="chatwoot:cw:1", connector_id="cw", case_id=uuid4())
    async with sessions() as session, session.begin():
        session.add(conversation)
    assert conversation.case_id is not None
    store = DeliveryStore(sessions)
    notice = ChatNotice(
        "agent.replied", "chatwoot:cw:1", utcnow(), conversation.case_id, "SR1", uuid4(), "Hi"
    )
    await store.record(conversation.id, [NewDelivery("activity:1", notice)], None)
    [delivery] = await all_rows(sessions, DeliveryRow)

    async def in_flight() -> bool:
        async with sessions() as session:
            connection = await session.connection()
            snapshot = await connection.run_sync(lambda c: load_snapshot(c, conversation.id))
        assert snapshot is not None
        return snapshot.delivery_in_flight

    assert not await in_flight()
    await store.begin_attempt(delivery.id)
    assert await in_flight()
    await store.finish(delivery.id, "delivered", status=200, error=None, platform_message_id="77")
    assert not await in_flight()
    await store.begin_attempt(delivery.id)  # an attempt whose worker died long ago holds nothing
    async with sessions() as session, session.begin():
        row = await session.get(DeliveryRow, delivery.id)
        assert row is not None
        row.attempt_started_at = utcnow() - IN_FLIGHT_BOUND - timedelta(seconds=1)
    assert not await in_flight()
