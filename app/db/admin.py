"""Read-only queries behind the admin API, the console and the demo pages (conversations with their sync
state, jobs, deliveries) and queueing a failed delivery again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, or_, update
from sqlmodel import col, select

from app.db.engine import SessionFactory
from app.db.stores.deliveries import delivery_queue_key
from app.db.stores.intake import CONVERSATION_QUEUE_PREFIX, conversation_queue_key
from app.db.stores.jobs import enqueue
from app.db.tables import ConversationRow, DeliveryRow, InboundEventRow, JobRow, MessageRow, utcnow
from app.ports.jobs import JobKind

SyncState = Literal["synced", "pending", "failed"]


@dataclass(frozen=True)
class ConversationSummary:
    conversation: ConversationRow
    sync_state: SyncState
    unsynced_messages: int


@dataclass(frozen=True)
class ConversationDetail:
    summary: ConversationSummary
    messages: list[MessageRow]
    jobs: list[JobRow]


class AdminQueries:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def conversations(
        self, *, search: str | None, limit: int, offset: int, sync_state: SyncState | None = None
    ) -> list[ConversationSummary]:
        """Newest activity first; `sync_state` filters in SQL, so paging works on the filtered list."""
        query = (
            select(ConversationRow)
            .order_by(col(ConversationRow.updated_at).desc())
            .limit(limit)
            .offset(offset)
        )
        if search:
            pattern = f"%{search}%"
            query = query.where(
                or_(
                    col(ConversationRow.external_id).ilike(pattern),
                    col(ConversationRow.customer_email).ilike(pattern),
                    col(ConversationRow.customer_name).ilike(pattern),
                    col(ConversationRow.case_number).ilike(pattern),
                )
            )
        async with self._sessions() as session:
            if sync_state:
                assert session.bind is not None
                query = query.where(_in_state(sync_state, session.bind.dialect.name))
            rows = list((await session.exec(query)).all())
        return [await self._summary(row) for row in rows]

    async def conversation(self, conversation_id: UUID) -> ConversationDetail | None:
        async with self._sessions() as session:
            row = await session.get(ConversationRow, conversation_id)
            if row is None:
                return None
            messages = (
                await session.exec(
                    select(MessageRow)
                    .where(col(MessageRow.conversation_id) == conversation_id)
                    .order_by(col(MessageRow.sent_at), col(MessageRow.created_at))
                )
            ).all()
            jobs = (
                await session.exec(
                    select(JobRow)
                    .where(col(JobRow.queue_key) == conversation_queue_key(conversation_id))
                    .order_by(col(JobRow.id).desc())
                    .limit(50)
                )
            ).all()
        return ConversationDetail(await self._summary(row), list(messages), list(jobs))

    async def conversation_id_of(self, reference: str) -> UUID | None:
        """The conversation `reference` names: a UUID that is a conversation's Casebridge id names that one;
        otherwise the conversation whose chat-platform id is `reference` exactly. A chat-platform id may look
        like a UUID itself: it is found whenever it is not also some conversation's Casebridge id."""
        try:
            as_id: UUID | None = UUID(reference)
        except ValueError:
            as_id = None
        named = col(ConversationRow.external_id) == reference
        query = select(ConversationRow.id).where(
            or_(named, col(ConversationRow.id) == as_id) if as_id else named
        )
        async with self._sessions() as session:
            found = list((await session.exec(query)).all())
        if as_id in found:
            return as_id
        return found[0] if found else None

    async def by_external_id(self, external_id: str) -> ConversationRow | None:
        """The conversation of a chat-platform conversation id."""
        async with self._sessions() as session:
            query = select(ConversationRow).where(col(ConversationRow.external_id) == external_id)
            return (await session.exec(query)).first()

    async def of_case(self, case_id: UUID) -> ConversationRow | None:
        """The conversation a Creatio case was created for."""
        async with self._sessions() as session:
            query = select(ConversationRow).where(col(ConversationRow.case_id) == case_id).limit(1)
            return (await session.exec(query)).first()

    async def chat_resolutions(self, conversation_id: UUID) -> list[tuple[datetime, str]]:
        """When the chat platform said the conversation was resolved, and by whom (`resolution.by`)."""
        query = select(InboundEventRow).where(
            col(InboundEventRow.conversation_id) == conversation_id,
            col(InboundEventRow.type) == "conversation.resolved",
        )
        async with self._sessions() as session:
            rows = (await session.exec(query)).all()
        return [(row.occurred_at, str(json.loads(row.body)["resolution"]["by"])) for row in rows]

    async def recent_with_prefix(self, prefix: str, limit: int) -> list[ConversationRow]:
        """Newest activity first, the conversations whose chat-platform id starts with `prefix`."""
        query = (
            select(ConversationRow)
            .where(col(ConversationRow.external_id).startswith(prefix))
            .order_by(col(ConversationRow.updated_at).desc())
            .limit(limit)
        )
        async with self._sessions() as session:
            return list((await session.exec(query)).all())

    async def jobs(self, *, state: str | None, limit: int, offset: int) -> list[JobRow]:
        query = select(JobRow).order_by(col(JobRow.id).desc()).limit(limit).offset(offset)
        if state:
            query = query.where(col(JobRow.state) == state)
        async with self._sessions() as session:
            return list((await session.exec(query)).all())

    async def _summary(self, row: ConversationRow) -> ConversationSummary:
        async with self._sessions() as session:
            unsynced = (
                await session.exec(
                    select(func.count())
                    .select_from(MessageRow)
                    .where(col(MessageRow.conversation_id) == row.id, col(MessageRow.synced_at).is_(None))
                )
            ).one()
            states = set(
                (
                    await session.exec(
                        select(JobRow.state)
                        .where(col(JobRow.queue_key) == conversation_queue_key(row.id))
                        .distinct()
                    )
                ).all()
            )
        state: SyncState = "synced"
        if "dead" in states:
            state = "failed"
        elif unsynced or states & {"queued", "running"} or row.handoff_pending:
            state = "pending"
        return ConversationSummary(row, state, int(unsynced))


def _in_state(state: SyncState, dialect: str) -> ColumnElement[bool]:
    """The SQL twin of `_summary`'s decision, for filtering."""
    key = _queue_key_sql(dialect)
    failed = exists().where(col(JobRow.queue_key) == key, col(JobRow.state) == "dead")
    active = exists().where(
        col(JobRow.queue_key) == key, or_(col(JobRow.state) == "queued", col(JobRow.state) == "running")
    )
    unsynced = exists().where(
        col(MessageRow.conversation_id) == col(ConversationRow.id), col(MessageRow.synced_at).is_(None)
    )
    handoff_pending = and_(
        col(ConversationRow.handoff_at).is_not(None),
        or_(
            col(ConversationRow.handoff_applied_at).is_(None),
            col(ConversationRow.handoff_applied_at) != col(ConversationRow.handoff_at),
        ),
    )
    if state == "failed":
        return failed
    if state == "pending":
        return and_(~failed, or_(active, unsynced, handoff_pending))
    return and_(~failed, ~active, ~unsynced, ~handoff_pending)


_UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))  # 8-4-4-4-12 hex digits


def _queue_key_sql(dialect: str) -> ColumnElement[str]:
    """`conversation_queue_key(conversations.id)` in SQL: PostgreSQL prints a uuid with dashes; SQLite
    stores it as 32 hex digits, which get them back here."""
    prefix = literal(CONVERSATION_QUEUE_PREFIX, String)
    conversation_id = col(ConversationRow.id)
    if dialect == "postgresql":
        return prefix + cast(conversation_id, String)
    text = cast(conversation_id, String)
    parts = [func.substr(text, start, length) for start, length in _UUID_GROUPS]
    dashed: ColumnElement[str] = parts[0]
    for part in parts[1:]:
        dashed = dashed + "-" + part
    return prefix + dashed


class DeliveryAdmin:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def recent(
        self, *, state: str | None, conversation_id: UUID | None, limit: int, offset: int
    ) -> list[DeliveryRow]:
        """Newest first."""
        query = select(DeliveryRow).order_by(col(DeliveryRow.created_at).desc(), col(DeliveryRow.id))
        if state:
            query = query.where(col(DeliveryRow.state) == state)
        if conversation_id:
            query = query.where(col(DeliveryRow.conversation_id) == conversation_id)
        async with self._sessions() as session:
            return list((await session.exec(query.limit(limit).offset(offset))).all())

    async def for_conversation(self, conversation_id: UUID) -> list[DeliveryRow]:
        """Oldest first, as they were sent."""
        query = (
            select(DeliveryRow)
            .where(col(DeliveryRow.conversation_id) == conversation_id)
            .order_by(col(DeliveryRow.created_at), col(DeliveryRow.id))
            .limit(200)
        )
        async with self._sessions() as session:
            return list((await session.exec(query)).all())

    async def get(self, delivery_id: UUID) -> DeliveryRow | None:
        async with self._sessions() as session:
            return await session.get(DeliveryRow, delivery_id)

    async def retry(self, delivery_id: UUID) -> bool:
        """Queue a failed delivery again (its dead job with a fresh attempt budget); False if not failed."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.exec(
                update(DeliveryRow)
                .where(col(DeliveryRow.id) == delivery_id, col(DeliveryRow.state) == "failed")
                .values(state="queued", updated_at=now)
            )
            if result.rowcount != 1:
                return False
            row = await session.get(DeliveryRow, delivery_id)
            assert row is not None
            payload = {"delivery_id": str(delivery_id)}
            revived = await session.exec(
                update(JobRow)
                .where(
                    col(JobRow.kind) == JobKind.CHAT_DELIVERY,
                    col(JobRow.payload) == json.dumps(payload, sort_keys=True),
                    col(JobRow.state) == "dead",
                )
                .values(state="queued", attempts=0, run_after=now, updated_at=now)
            )
            if revived.rowcount == 0:
                key = delivery_queue_key(row.conversation_id)
                await enqueue(session, JobKind.CHAT_DELIVERY, payload, queue_key=key)
        return True
