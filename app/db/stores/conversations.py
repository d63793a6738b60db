"""Reads a conversation with its messages for syncing, and records what reached the CRM.

Core statements through `Transactions` (no ORM unit of work): a sync reads once, writes what it decided
before the CRM call in one unit (ids, contact, auto-fill values and note) and what reached the CRM after
it in another.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from app.db.prepared import Prepared
from app.db.stores.autofill_audit import insert_audit_rows
from app.db.stores.jobs import complete_job
from app.db.tables import ConversationRow, DeliveryRow, MessageRow, utcnow
from app.db.transactions import Transactions
from app.ports.jobs import ClaimedJob
from app.ports.stores import ConversationSnapshot, ConversationState, Note, StoredMessage

CONVERSATIONS: Table = ConversationRow.__table__  # type: ignore[attr-defined]
MESSAGES: Table = MessageRow.__table__  # type: ignore[attr-defined]
DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[attr-defined]
# An attempt older than this without an outcome belongs to a worker that died: it no longer holds the sync.
IN_FLIGHT_BOUND = timedelta(minutes=2)


# Built once: a sync runs these for every conversation (the SET clause comes from the parameters given).
_LOAD_CONVERSATION = Prepared(
    select(*[CONVERSATIONS.c[f.name] for f in fields(ConversationState)]).where(
        CONVERSATIONS.c.id == bindparam("conversation_id")
    )
)
_LOAD_MESSAGES = Prepared(
    select(*[MESSAGES.c[f.name] for f in fields(StoredMessage)])
    .where(MESSAGES.c.conversation_id == bindparam("conversation_id"))
    .order_by(MESSAGES.c.sent_at, MESSAGES.c.created_at, MESSAGES.c.id)
)
_DELIVERY_IN_FLIGHT = Prepared(
    select(DELIVERIES.c.id)
    .where(
        DELIVERIES.c.conversation_id == bindparam("conversation_id"),
        DELIVERIES.c.attempt_started_at > bindparam("since"),
    )
    .limit(1)
)
_UPDATE_CONVERSATION = Prepared(
    update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("conversation_id"))
)
_FIND_MESSAGE = Prepared(
    select(MESSAGES.c.id).where(
        MESSAGES.c.conversation_id == bindparam("conversation_id"),
        MESSAGES.c.external_id == bindparam("external_id"),
    )
)
_INSERT_MESSAGE = Prepared(insert(MESSAGES))
_MARK_SYNCED = Prepared(
    update(MESSAGES).where(MESSAGES.c.id == bindparam("message_id")).values(synced_at=bindparam("synced_at"))
)


def load_snapshot(conn: Connection, conversation_id: UUID) -> ConversationSnapshot | None:
    key = {"conversation_id": conversation_id}
    row = _LOAD_CONVERSATION.execute(conn, key).first()  # exactly ConversationState's columns
    if row is None:
        return None
    messages = _LOAD_MESSAGES.execute(conn, key).rows
    state = ConversationState(*row)
    in_flight = False
    if state.connector_id is not None:  # only a chat connector's platform sends webhook echoes
        since = {**key, "since": utcnow() - IN_FLIGHT_BOUND}
        in_flight = _DELIVERY_IN_FLIGHT.execute(conn, since).first() is not None
    return ConversationSnapshot(state, tuple(StoredMessage(*m) for m in messages), in_flight)


def _update_conversation(conn: Connection, conversation_id: UUID, values: Mapping[str, Any]) -> None:
    if values:
        params = {**values, "updated_at": utcnow(), "conversation_id": conversation_id}
        _UPDATE_CONVERSATION.execute(conn, params)


def prepare_sync(
    conn: Connection,
    conversation_id: UUID,
    values: Mapping[str, Any],
    note: Note | None,
    audit: Sequence[Mapping[str, Any]] = (),
) -> ConversationSnapshot:
    """Store what a sync decided before its CRM call (ids it will create, contact, auto-fill values, note
    and audit rows), then read the conversation again: messages that arrived meanwhile go into the same
    write."""
    _update_conversation(conn, conversation_id, values)
    if audit:
        insert_audit_rows(conn, audit)
    if note is not None:
        known = {"conversation_id": conversation_id, "external_id": note.external_id}
        if _FIND_MESSAGE.execute(conn, known).first() is None:
            row = {
                "id": uuid4(),
                "conversation_id": conversation_id,
                "external_id": note.external_id,
                "author": "note",
                "text": note.text,
                "sent_at": note.at,
                "created_at": utcnow(),
            }
            _INSERT_MESSAGE.execute(conn, row)
    snapshot = load_snapshot(conn, conversation_id)
    assert snapshot is not None  # conversations are never deleted
    return snapshot


def record_synced(
    conn: Connection,
    conversation_id: UUID,
    message_ids: Sequence[UUID],
    values: Mapping[str, Any],
    job: ClaimedJob | None = None,
) -> None:
    """Record written activities and conversation fields together, and the sync's job as done if given."""
    now = utcnow()
    _MARK_SYNCED.execute_many(conn, [{"message_id": m, "synced_at": now} for m in message_ids])
    _update_conversation(conn, conversation_id, values)
    if job is not None:
        complete_job(conn, job)


class ConversationStore:
    def __init__(self, transactions: Transactions) -> None:
        self._transactions = transactions

    async def load(self, conversation_id: UUID) -> ConversationSnapshot | None:
        return await self._transactions.run(functools.partial(load_snapshot, conversation_id=conversation_id))

    async def prepare(
        self,
        conversation_id: UUID,
        values: Mapping[str, Any],
        note: Note | None = None,
        audit: Sequence[Mapping[str, Any]] = (),
    ) -> ConversationSnapshot:
        work = functools.partial(
            prepare_sync, conversation_id=conversation_id, values=values, note=note, audit=audit
        )
        return await self._transactions.run(work)

    async def record_synced(
        self,
        conversation_id: UUID,
        message_ids: Sequence[UUID],
        values: Mapping[str, Any],
        job: ClaimedJob | None = None,
    ) -> None:
        work = functools.partial(
            record_synced, conversation_id=conversation_id, message_ids=message_ids, values=values, job=job
        )
        await self._transactions.run(work)
