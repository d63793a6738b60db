"""Stores one accepted chat event and enqueues its conversation's sync, in one transaction.

The hot path of intake: four statements for a message (upsert the conversation, insert the event, insert
the message, enqueue the sync unless one is already queued), with no ORM unit of work.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from sqlalchemy import Connection, Table, and_, bindparam, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from app.db.prepared import Prepared
from app.db.tables import ConversationRow, DeliveryRow, InboundEventRow, JobRow, MessageRow, utcnow
from app.db.transactions import Transactions
from app.domain.events import ConversationEvent, ConversationResolved, effect_of
from app.ports.jobs import JobKind

IntakeOutcome = Literal["accepted", "duplicate", "echo"]
CONVERSATIONS: Table = ConversationRow.__table__  # type: ignore[attr-defined]
DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = InboundEventRow.__table__  # type: ignore[attr-defined]
MESSAGES: Table = MessageRow.__table__  # type: ignore[attr-defined]
JOBS: Table = JobRow.__table__  # type: ignore[attr-defined]


class DuplicateEvent(Exception):
    """Raised inside the transaction to roll it back when the event id was seen before."""


CONVERSATION_QUEUE_PREFIX = "conversation:"


def conversation_queue_key(conversation_id: object) -> str:
    return f"{CONVERSATION_QUEUE_PREFIX}{conversation_id}"


class EventIntake:
    """Idempotent on the event id: a repeat (even a concurrent one) changes nothing."""

    def __init__(self, transactions: Transactions, sync_delay: timedelta = timedelta(0)) -> None:
        self._transactions = transactions
        self._sync_delay = sync_delay

    def sync_delay_for(self, event: ConversationEvent) -> timedelta:
        return sync_delay_for(event, self._sync_delay)

    async def transcript(self, conversation_external_id: str) -> list[tuple[str, str]]:
        """The conversation's chat messages (author, text) in the order they were sent."""

        def read(conn: Connection) -> list[tuple[str, str]]:
            query = (
                select(MESSAGES.c.author, MESSAGES.c.text)
                .join(CONVERSATIONS, CONVERSATIONS.c.id == MESSAGES.c.conversation_id)
                .where(CONVERSATIONS.c.external_id == conversation_external_id)
                .where(MESSAGES.c.author.in_(("customer", "ai", "agent")))
                .order_by(MESSAGES.c.sent_at)
            )
            return [(str(author), str(text)) for author, text in conn.execute(query)]

        return await self._transactions.run(read)

    async def record(
        self,
        event: ConversationEvent,
        body: bytes,
        *,
        connector_id: str | None = None,
        platform_message_id: str | None = None,
    ) -> IntakeOutcome:
        """`connector_id`: the chat connector the event came through (None: Casebridge's own contract).
        `platform_message_id`: the platform's id of an outgoing message; "echo", nothing stored, when one of
        Casebridge's deliveries posted it (checked in the same unit of work: no read of its own)."""
        work = functools.partial(
            _store_unless_echo,
            event=event,
            body=body,
            sync_delay=self._sync_delay,
            connector_id=connector_id,
            platform_message_id=platform_message_id,
        )
        try:
            return await self._transactions.run(work)
        except (DuplicateEvent, IntegrityError):
            # Seen before (or stored by a concurrent request first): nothing was changed.
            return "duplicate"


_POSTED_BY_US = Prepared(
    select(DELIVERIES.c.id)
    .join(CONVERSATIONS, CONVERSATIONS.c.id == DELIVERIES.c.conversation_id)
    .where(CONVERSATIONS.c.external_id == bindparam("external_id"))
    .where(DELIVERIES.c.platform_message_id == bindparam("platform_message_id"))
    .limit(1)
)


def _store_unless_echo(
    conn: Connection,
    event: ConversationEvent,
    body: bytes,
    sync_delay: timedelta,
    connector_id: str | None,
    platform_message_id: str | None,
) -> IntakeOutcome:
    if platform_message_id is not None:
        params = {"external_id": event.conversation.id, "platform_message_id": platform_message_id}
        if _POSTED_BY_US.execute(conn, params).rows:
            return "echo"
    store_event(conn, event, body, sync_delay, connector_id)
    return "accepted"


def store_event(
    conn: Connection,
    event: ConversationEvent,
    body: bytes,
    sync_delay: timedelta = timedelta(0),
    connector_id: str | None = None,
) -> None:
    """The event's statements inside the caller's transaction; raises DuplicateEvent or IntegrityError
    (a repeated event or message id), after which the caller must roll back. The sync is due after
    `sync_delay`: events arriving meanwhile join the same queued job, so they reach Creatio together."""
    conversation = _upsert_conversation(conn, event, connector_id)
    _insert_event(conn, event, conversation["id"], body)
    _apply(conn, conversation, event)
    delay = sync_delay_for(event, sync_delay)
    if delay < sync_delay:
        hurry_queued_sync(conn, conversation["id"])
    enqueue_sync(conn, conversation["id"], delay)


def sync_delay_for(event: ConversationEvent, configured: timedelta) -> timedelta:
    """How long the event's sync waits for company. A resolution closes the conversation: nothing more is
    expected, so its sync (with whatever is queued with it) is due at once."""
    return timedelta(0) if isinstance(event, ConversationResolved) else configured


def _insert_for(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")


# Kept when a later event leaves them out.
_KNOWN_FIELDS = ("channel", "url", "customer_name", "customer_email", "customer_phone", "connector_id")


@functools.cache
def _upsert_statement(dialect: str) -> Prepared:
    """Built once per dialect; known fields are kept when an event leaves them out."""
    names = ("id", "external_id", "status", "contact_state", "created_at", "updated_at", *_KNOWN_FIELDS)
    statement = _insert_for(dialect, CONVERSATIONS).values({name: bindparam(name) for name in names})
    excluded = statement.excluded
    keep = {name: func.coalesce(excluded[name], CONVERSATIONS.c[name]) for name in _KNOWN_FIELDS}
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=["external_id"], set_={**keep, "updated_at": excluded.updated_at}
        ).returning(CONVERSATIONS.c.id, CONVERSATIONS.c.status, CONVERSATIONS.c.status_changed_at)
    )


def _upsert_conversation(
    conn: Connection, event: ConversationEvent, connector_id: str | None
) -> dict[str, Any]:
    info, now = event.conversation, utcnow()
    params = {
        "id": uuid4(),
        "external_id": info.id,
        "status": "open",
        "contact_state": "unknown",
        "created_at": now,
        "updated_at": now,
        "channel": info.channel,
        "url": str(info.url) if info.url else None,
        "customer_name": info.customer.name,
        "customer_email": info.customer.email,
        "customer_phone": info.customer.phone,
        "connector_id": connector_id,
    }
    [(conversation_id, status, status_changed_at)] = (
        _upsert_statement(conn.dialect.name).execute(conn, params).rows
    )
    return {"id": conversation_id, "status": status, "status_changed_at": status_changed_at}


@functools.cache
def _event_insert(dialect: str) -> Prepared:
    names = ("id", "conversation_id", "type", "occurred_at", "received_at", "body")
    statement = _insert_for(dialect, EVENTS).values({name: bindparam(name) for name in names})
    return Prepared(statement.on_conflict_do_nothing(index_elements=["id"]))


def _insert_event(conn: Connection, event: ConversationEvent, conversation_id: UUID, body: bytes) -> None:
    params = {
        "id": event.id,
        "conversation_id": conversation_id,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "received_at": utcnow(),
        "body": body.decode("utf-8"),
    }
    if _event_insert(conn.dialect.name).execute(conn, params).rowcount == 0:
        raise DuplicateEvent


def _apply(conn: Connection, conversation: dict[str, Any], event: ConversationEvent) -> None:
    effect = effect_of(event, conversation["status"], conversation["status_changed_at"])
    if (m := effect.message) is not None:
        _insert_message(conn, conversation["id"], m.external_id, m.author, m.text, m.sent_at)
    if effect.changes:
        _UPDATE_CONVERSATION.execute(conn, {**effect.changes, "conversation_id": conversation["id"]})


# The SET clause comes from the parameters given.
_UPDATE_CONVERSATION = Prepared(
    update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("conversation_id"))
)


_MESSAGE_INSERT = Prepared(insert(MESSAGES))


def _insert_message(
    conn: Connection, conversation_id: UUID, external_id: str, author: str, text: str, sent_at: datetime
) -> None:
    """A repeated message id raises IntegrityError (unique per conversation): the event is a duplicate."""
    params = {
        "id": uuid4(),
        "conversation_id": conversation_id,
        "external_id": external_id,
        "author": author,
        "text": text,
        "sent_at": sent_at,
        "created_at": utcnow(),
    }
    _MESSAGE_INSERT.execute(conn, params)


_JOB_COLUMNS = (
    "kind",
    "queue_key",
    "payload",
    "state",
    "attempts",
    "max_attempts",
    "run_after",
    "created_at",
)


def _enqueue_statement(*, lock_twin: bool) -> Any:
    """INSERT … SELECT … WHERE NOT EXISTS (a queued twin): built once, run with parameters.

    With `lock_twin` (PostgreSQL) the twin is locked first (FOR UPDATE). Without the lock, an event
    stored while a worker claims the twin would count it as queued and add no job, while the worker may
    read the conversation before the event commits: the event would never be synced (the chaos run
    found conversations whose last event, a handoff, never reached Creatio). With it, a twin being
    claimed is waited for, then no longer counts (it is running), so a job is queued; and a twin
    locked here is skipped by the claims (SKIP LOCKED) until this transaction commits, so the worker
    that runs it reads this event. SQLite runs every write in one thread, one after the other: the
    claim and the event cannot overlap there."""
    twin = and_(
        JOBS.c.queue_key == bindparam("queue_key"),
        JOBS.c.kind == bindparam("kind"),
        JOBS.c.state == "queued",
    )
    values = [bindparam(name, type_=JOBS.c[name].type) for name in _JOB_COLUMNS]
    row = select(*values, bindparam("updated_at", type_=JOBS.c.updated_at.type))
    if lock_twin:
        locked = select(JOBS.c.id).where(twin).with_for_update().cte("queued_twin")
        row = row.where(~exists(select(locked.c.id)))
    else:
        row = row.where(~exists().where(twin))
    return insert(JOBS).from_select([*_JOB_COLUMNS, "updated_at"], row)


_ENQUEUE = Prepared(_enqueue_statement(lock_twin=False))
_ENQUEUE_LOCKING_TWIN = Prepared(_enqueue_statement(lock_twin=True))


def enqueue_sync(conn: Connection, conversation_id: UUID, delay: timedelta = timedelta(0)) -> None:
    """Queue the conversation's sync unless one is already waiting (one statement). The hot-path twin of
    `job_queue.enqueue(..., coalesce=True)`, which every other caller uses."""
    now = utcnow()
    params = {
        "kind": JobKind.SYNC_CONVERSATION,
        "queue_key": conversation_queue_key(conversation_id),
        "payload": _sync_payload(conversation_id),
        "state": "queued",
        "attempts": 0,
        "max_attempts": JobRow.model_fields["max_attempts"].default,
        "run_after": now + delay,
        "created_at": now,
        "updated_at": now,
    }
    (_ENQUEUE_LOCKING_TWIN if conn.dialect.name == "postgresql" else _ENQUEUE).execute(conn, params)


_HURRY = Prepared(
    update(JOBS)
    .where(
        JOBS.c.queue_key == bindparam("key"),
        JOBS.c.kind == JobKind.SYNC_CONVERSATION,
        JOBS.c.state == "queued",
        JOBS.c.run_after > bindparam("now"),
    )
    .values(run_after=bindparam("now"), updated_at=bindparam("now"))
)


def hurry_queued_sync(conn: Connection, conversation_id: UUID) -> None:
    """Make the conversation's queued sync due now (it may be waiting out an earlier event's delay)."""
    _HURRY.execute(conn, {"key": conversation_queue_key(conversation_id), "now": utcnow()})


def _sync_payload(conversation_id: UUID) -> str:
    return json.dumps({"conversation_id": str(conversation_id)}, sort_keys=True)
