"""Read-only queries behind the admin API: conversations with their sync state, and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, or_
from sqlmodel import col, select

from app.db.engine import SessionFactory
from app.db.intake_store import CONVERSATION_QUEUE_PREFIX, conversation_queue_key
from app.db.tables import ConversationRow, JobRow, MessageRow

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
