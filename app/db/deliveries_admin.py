"""Deliveries for the admin API: list and read them, and queue a failed one again."""

from __future__ import annotations

import json
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select

from app.db.deliveries_store import CHAT_DELIVERY, delivery_queue_key
from app.db.deliveries_tables import DeliveryRow
from app.db.engine import SessionFactory
from app.db.job_queue import enqueue
from app.db.tables import JobRow, utcnow


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
                    col(JobRow.kind) == CHAT_DELIVERY,
                    col(JobRow.payload) == json.dumps(payload, sort_keys=True),
                    col(JobRow.state) == "dead",
                )
                .values(state="queued", attempts=0, run_after=now, updated_at=now)
            )
            if revived.rowcount == 0:
                key = delivery_queue_key(row.conversation_id)
                await enqueue(session, CHAT_DELIVERY, payload, queue_key=key)
        return True
