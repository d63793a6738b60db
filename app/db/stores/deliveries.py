"""Delivery rows for the pipeline (what a conversation already knows, new deliveries, attempt
outcomes) and queueing a conversation's Creatio-to-chat check, keyed like its other jobs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import SessionFactory
from app.db.stores.intake import conversation_queue_key
from app.db.stores.jobs import enqueue
from app.db.tables import ChatDeliveryStateRow, ConversationRow, DeliveryRow, MessageRow, utcnow
from app.domain.crm_updates import ChatNotice
from app.domain.text_rules import storable
from app.ports.jobs import JobKind
from app.ports.stores import ConversationLink, ConversationState, NewDelivery, StatusUpdate, StoredDelivery

STATUS_KINDS = ("conversation.resolved", "conversation.reopened")


def delivery_queue_key(conversation_id: UUID) -> str:
    """Deliveries of a conversation go out one at a time, in order, apart from its Creatio jobs."""
    return f"chat-delivery:{conversation_id}"


def conversation_state(row: ConversationRow) -> ConversationState:
    return ConversationState(**{f.name: getattr(row, f.name) for f in fields(ConversationState)})


class DeliveryStore:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def chat_enabled_since(self, now: datetime) -> datetime:
        """When this installation first ran with chat delivery on; `now` is recorded the first time."""
        recorded = await self._enabled_since()
        if recorded is not None:
            return recorded
        try:
            async with self._sessions() as session, session.begin():
                session.add(ChatDeliveryStateRow(enabled_since=now))
        except IntegrityError:  # another process recorded it first: theirs stands
            pass
        recorded = await self._enabled_since()
        assert recorded is not None
        return recorded

    async def _enabled_since(self) -> datetime | None:
        async with self._sessions() as session:
            row = await session.get(ChatDeliveryStateRow, 1)
            return row.enabled_since if row else None

    async def link(self, conversation_id: UUID) -> ConversationLink | None:
        async with self._sessions() as session:
            conversation = await session.get(ConversationRow, conversation_id)
            if conversation is None:
                return None
            own = select(MessageRow.id).where(col(MessageRow.conversation_id) == conversation_id)
            delivered = select(DeliveryRow.activity_id).where(
                col(DeliveryRow.conversation_id) == conversation_id, col(DeliveryRow.activity_id).is_not(None)
            )
            notices = select(func.count()).where(
                col(DeliveryRow.conversation_id) == conversation_id, col(DeliveryRow.kind).in_(STATUS_KINDS)
            )
            own_ids = frozenset((await session.exec(own)).all())
            delivered_ids = frozenset(i for i in (await session.exec(delivered)).all() if i is not None)
            count = (await session.exec(notices)).one()
        return ConversationLink(conversation_state(conversation), own_ids, delivered_ids, int(count))

    async def record(
        self, conversation_id: UUID, deliveries: Sequence[NewDelivery], status: StatusUpdate | None
    ) -> int:
        """Store new deliveries with their jobs (in order) and the status, in one transaction.

        Unique dedupe keys make this safe when the webhook's and the reconciliation's checks race: the loser's
        transaction fails as a whole and nothing is delivered twice. Returns how many were stored."""
        try:
            async with self._sessions() as session, session.begin():
                stored = await self._insert_new(session, conversation_id, deliveries)
                if status is not None:
                    await _apply_status(session, conversation_id, status)
        except IntegrityError:
            return 0
        return stored

    async def _insert_new(
        self, session: AsyncSession, conversation_id: UUID, deliveries: Sequence[NewDelivery]
    ) -> int:
        keys = [d.dedupe_key for d in deliveries]
        if not keys:
            return 0
        query = select(DeliveryRow.dedupe_key).where(col(DeliveryRow.dedupe_key).in_(keys))
        existing = set((await session.exec(query)).all())
        fresh = [d for d in deliveries if d.dedupe_key not in existing]
        for item in fresh:
            row = _row(conversation_id, item)
            session.add(row)
            await session.flush()
            await enqueue(
                session,
                JobKind.CHAT_DELIVERY,
                {"delivery_id": str(row.id)},
                queue_key=delivery_queue_key(conversation_id),
            )
        return len(fresh)

    async def load(self, delivery_id: UUID) -> StoredDelivery | None:
        async with self._sessions() as session:
            row = await session.get(DeliveryRow, delivery_id)
            conversation = await session.get(ConversationRow, row.conversation_id) if row else None
        if row is None or conversation is None:
            return None
        return StoredDelivery(
            row.id,
            conversation.id,
            row.state,
            _notice_of(row, conversation.external_id, conversation.connector_id),
        )

    async def begin_attempt(self, delivery_id: UUID) -> None:
        """Before the POST: the attempt is under way until `finish` (the conversation's sync waits)."""
        await self._update(delivery_id, attempts=col(DeliveryRow.attempts) + 1, attempt_started_at=utcnow())

    async def finish(
        self,
        delivery_id: UUID,
        state: str,
        *,
        status: int | None,
        error: str | None,
        platform_message_id: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "state": state,
            "last_status": status,
            "last_error": storable(error),
            "attempt_started_at": None,
        }
        if state == "delivered":
            values["delivered_at"] = utcnow()
        if platform_message_id is None:
            await self._update(delivery_id, **values)
            return
        values["platform_message_id"] = platform_message_id
        async with self._sessions() as session, session.begin():
            row = await session.get(DeliveryRow, delivery_id)
            if row is None:
                return
            await session.exec(
                update(DeliveryRow)
                .where(col(DeliveryRow.id) == delivery_id)
                .values(**values, updated_at=utcnow())
            )
            # The platform's webhook for the posted message may have come in before this answer: the echo,
            # still waiting for its sync, is taken back (one that reached Creatio already stays there, but
            # is never delivered again: Casebridge wrote it).
            await session.exec(
                delete(MessageRow).where(
                    col(MessageRow.conversation_id) == row.conversation_id,
                    col(MessageRow.external_id) == platform_message_id,
                    col(MessageRow.synced_at).is_(None),
                )
            )

    async def _update(self, delivery_id: UUID, **values: Any) -> None:
        async with self._sessions() as session, session.begin():
            await session.exec(
                update(DeliveryRow)
                .where(col(DeliveryRow.id) == delivery_id)
                .values(**values, updated_at=utcnow())
            )


def _row(conversation_id: UUID, item: NewDelivery) -> DeliveryRow:
    n = item.notice
    return DeliveryRow(
        conversation_id=conversation_id,
        dedupe_key=item.dedupe_key,
        kind=n.kind,
        activity_id=n.activity_id,
        text=storable(n.text),
        author_name=storable(n.author_name),
        occurred_at=n.occurred_at,
        case_id=n.case_id,
        case_number=storable(n.case_number),
        status_id=n.status_id,
        status_name=storable(n.status_name),
    )


async def _apply_status(session: AsyncSession, conversation_id: UUID, status: StatusUpdate) -> None:
    values: dict[str, Any] = {"case_status_applied": status.case_status_applied, "updated_at": utcnow()}
    if status.status is not None:
        values.update(status=status.status, status_changed_at=status.at)
    await session.exec(
        update(ConversationRow).where(col(ConversationRow.id) == conversation_id).values(**values)
    )


def _notice_of(row: DeliveryRow, conversation_external_id: str, connector_id: str | None) -> ChatNotice:
    """The notice a stored delivery sends (the same on every attempt)."""
    return ChatNotice(
        kind=row.kind,  # type: ignore[arg-type]
        conversation_id=conversation_external_id,
        occurred_at=row.occurred_at,
        case_id=row.case_id,
        case_number=row.case_number,
        activity_id=row.activity_id,
        text=row.text,
        author_name=row.author_name,
        status_id=row.status_id,
        status_name=row.status_name,
        connector_id=connector_id,
    )


async def enqueue_check(session: AsyncSession, conversation_id: UUID) -> None:
    """Inside the caller's transaction; a check already queued for the conversation makes this a no-op."""
    await enqueue(
        session,
        JobKind.CRM_TO_CHAT,
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
