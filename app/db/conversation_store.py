"""Reads a conversation with its messages for syncing, and records what reached the CRM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select

from app.db.engine import SessionFactory
from app.db.tables import ConversationRow, MessageRow, utcnow


@dataclass(frozen=True)
class ConversationSnapshot:
    conversation: ConversationRow
    messages: tuple[MessageRow, ...]  # every message, in sent_at order

    @property
    def unsynced(self) -> tuple[MessageRow, ...]:
        return tuple(m for m in self.messages if m.synced_at is None)


class ConversationStore:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def load(self, conversation_id: UUID) -> ConversationSnapshot | None:
        async with self._sessions() as session:
            conversation = await session.get(ConversationRow, conversation_id)
            if conversation is None:
                return None
            query = (
                select(MessageRow)
                .where(col(MessageRow.conversation_id) == conversation_id)
                .order_by(col(MessageRow.sent_at), col(MessageRow.created_at), col(MessageRow.id))
            )
            messages = tuple((await session.exec(query)).all())
        return ConversationSnapshot(conversation, messages)

    async def update(self, conversation_id: UUID, **values: Any) -> None:
        """Commit conversation fields now, e.g. an id generated before the CRM call that uses it."""
        async with self._sessions() as session, session.begin():
            await session.exec(
                update(ConversationRow)
                .where(col(ConversationRow.id) == conversation_id)
                .values(**values, updated_at=utcnow())
            )

    async def mark_synced(self, message_ids: Sequence[UUID], **conversation_values: Any) -> None:
        """Record written activities (and conversation fields) in one transaction."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            if message_ids:
                await session.exec(
                    update(MessageRow).where(col(MessageRow.id).in_(list(message_ids))).values(synced_at=now)
                )
            if conversation_values:
                conversation_id = conversation_values.pop("conversation_id")
                await session.exec(
                    update(ConversationRow)
                    .where(col(ConversationRow.id) == conversation_id)
                    .values(**conversation_values, updated_at=now)
                )

    async def add_note(
        self, conversation_id: UUID, external_id: str, text: str, at: datetime, **values: Any
    ) -> None:
        """Store a note to be written as an activity, with conversation fields, unless already stored."""
        async with self._sessions() as session, session.begin():
            query = select(MessageRow.id).where(
                col(MessageRow.conversation_id) == conversation_id, col(MessageRow.external_id) == external_id
            )
            if (await session.exec(query)).first() is None:
                session.add(
                    MessageRow(
                        conversation_id=conversation_id,
                        external_id=external_id,
                        author="note",
                        text=text,
                        sent_at=at,
                    )
                )
            await session.exec(
                update(ConversationRow)
                .where(col(ConversationRow.id) == conversation_id)
                .values(**values, updated_at=utcnow())
            )
