"""Stores one accepted chat event and enqueues its conversation's sync, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import SessionFactory
from app.db.job_queue import enqueue
from app.db.tables import ConversationRow, InboundEventRow, MessageRow, utcnow
from app.domain.events import (
    ChatEvent,
    ConversationReopened,
    ConversationResolved,
    HandoffRequested,
    MessageCreated,
)

SYNC_CONVERSATION = "sync_conversation"
IntakeOutcome = Literal["accepted", "duplicate"]


def conversation_queue_key(conversation_id: object) -> str:
    return f"conversation:{conversation_id}"


async def record_event(sessions: SessionFactory, event: ChatEvent, body: bytes) -> IntakeOutcome:
    """Idempotent on the event id: a repeat (even a concurrent one) changes nothing."""
    try:
        async with sessions() as session, session.begin():
            if await session.get(InboundEventRow, event.id) is not None:
                return "duplicate"
            conversation = await _upsert_conversation(session, event)
            session.add(
                InboundEventRow(
                    id=event.id,
                    conversation_id=conversation.id,
                    type=event.type,
                    occurred_at=event.occurred_at,
                    body=body.decode("utf-8"),
                )
            )
            _apply(session, conversation, event)
            conversation.updated_at = utcnow()
            session.add(conversation)
            await enqueue(
                session,
                SYNC_CONVERSATION,
                {"conversation_id": str(conversation.id)},
                queue_key=conversation_queue_key(conversation.id),
                coalesce=True,
            )
    except IntegrityError:
        # A concurrent request stored the same event id first.
        return "duplicate"
    return "accepted"


async def _upsert_conversation(session: AsyncSession, event: ChatEvent) -> ConversationRow:
    info = event.conversation
    query = select(ConversationRow).where(col(ConversationRow.external_id) == info.id)
    row = (await session.exec(query)).first()
    if row is None:
        row = ConversationRow(external_id=info.id)
        session.add(row)
        await session.flush()
    row.channel = info.channel or row.channel
    row.url = str(info.url) if info.url else row.url
    row.customer_name = info.customer.name or row.customer_name
    row.customer_email = info.customer.email or row.customer_email
    row.customer_phone = info.customer.phone or row.customer_phone
    return row


def _apply(session: AsyncSession, row: ConversationRow, event: ChatEvent) -> None:
    if isinstance(event, MessageCreated):
        message = event.message
        session.add(
            MessageRow(
                conversation_id=row.id,
                external_id=message.id,
                author=message.author,
                text=message.text,
                sent_at=message.sent_at,
            )
        )
        if message.author == "customer" and row.status == "resolved":
            _set_status(row, "open", message.sent_at)
    elif isinstance(event, HandoffRequested):
        row.handoff_summary = event.handoff.summary
        row.handoff_reason = event.handoff.reason
        row.handoff_at = event.occurred_at
        session.add(
            MessageRow(
                conversation_id=row.id,
                external_id=f"handoff:{event.id}",
                author="handoff",
                text=event.handoff.summary,
                sent_at=event.occurred_at,
            )
        )
        _set_status(row, "handed_off", event.occurred_at)
    elif isinstance(event, ConversationResolved):
        _set_status(row, "resolved", event.occurred_at)
    elif isinstance(event, ConversationReopened):
        _set_status(row, "open", event.occurred_at)


def _set_status(row: ConversationRow, status: str, at: datetime) -> None:
    """Events may arrive out of order: the latest event time decides the status."""
    if row.status_changed_at is None or at >= row.status_changed_at:
        row.status = status
        row.status_changed_at = at
