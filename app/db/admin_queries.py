"""Read-only queries behind the admin API: conversations with their sync state, and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from sqlalchemy import func, or_
from sqlmodel import col, select

from app.db.engine import SessionFactory
from app.db.intake_store import conversation_queue_key
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
        self, *, search: str | None, limit: int, offset: int
    ) -> list[ConversationSummary]:
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
