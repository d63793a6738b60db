"""Enqueues a conversation's Creatio-to-chat check, keyed like its other jobs so they run in order."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import SessionFactory
from app.db.intake_store import conversation_queue_key
from app.db.job_queue import enqueue
from app.db.tables import ConversationRow

CRM_TO_CHAT = "crm_to_chat"


async def enqueue_check(session: AsyncSession, conversation_id: UUID) -> None:
    """Inside the caller's transaction; a check already queued for the conversation makes this a no-op."""
    await enqueue(
        session,
        CRM_TO_CHAT,
        {"conversation_id": str(conversation_id)},
        queue_key=conversation_queue_key(conversation_id),
        coalesce=True,
    )


async def enqueue_case_check(sessions: SessionFactory, case_id: UUID) -> UUID | None:
    """Enqueue the check of the conversation linked to `case_id`; None (nothing enqueued) if there is none."""
    async with sessions() as session, session.begin():
        query = select(ConversationRow.id).where(col(ConversationRow.case_id) == case_id).limit(1)
        conversation_id = (await session.exec(query)).first()
        if conversation_id is None:
            return None
        await enqueue_check(session, conversation_id)
    return conversation_id


async def enqueue_checks(sessions: SessionFactory, conversation_ids: Iterable[UUID]) -> int:
    """Enqueue checks for several conversations in one transaction; returns how many were asked for."""
    wanted = list(dict.fromkeys(conversation_ids))
    if wanted:
        async with sessions() as session, session.begin():
            for conversation_id in wanted:
                await enqueue_check(session, conversation_id)
    return len(wanted)
