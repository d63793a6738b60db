"""Tables of the Creatio-to-chat direction: deliveries, the webhook token and the poll's state."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.db.tables import utcnow


class DeliveryRow(SQLModel, table=True):
    """One notice for the chat platform, stored before it is sent; its id is the Idempotency-Key."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_state", "state", "id"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    conversation_id: UUID = Field(foreign_key="conversations.id", index=True)
    dedupe_key: str = Field(unique=True)  # activity:<activity id> | status:<conversation id>:<n>
    kind: str  # agent.replied | conversation.resolved | conversation.reopened
    activity_id: UUID | None = None
    text: str | None = None
    author_name: str | None = None
    occurred_at: datetime
    case_id: UUID
    case_number: str | None = None
    status_id: UUID | None = None
    status_name: str | None = None
    state: str = "queued"  # queued | retrying | delivered | failed
    attempts: int = 0
    last_status: int | None = None  # HTTP status of the last attempt
    last_error: str | None = None
    delivered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CreatioWebhookRow(SQLModel, table=True):
    """The Creatio webhook token (row id 1): a hash to check it, and encrypted to show the URL."""

    __tablename__ = "creatio_webhook"

    id: int = Field(default=1, primary_key=True)
    token_hash: str
    token_encrypted: str
    created_at: datetime = Field(default_factory=utcnow)
    rotated_at: datetime | None = None
    last_accepted_at: datetime | None = None  # the latest call with the right token (any process)
    last_refused_at: datetime | None = None
    last_refused_status: int | None = None


class ReconcileStateRow(SQLModel, table=True):
    """The reconciliation poll (row name "creatio"): its cursors, its lease and when it runs next."""

    __tablename__ = "reconcile_state"

    name: str = Field(primary_key=True)
    cursors: str = "{}"  # JSON: {"activities": {"at": iso, "backlog": bool}, "cases": {...}}
    next_run_at: datetime = Field(default_factory=utcnow)
    leased_until: datetime | None = None
    lease_owner: str | None = None
    last_run_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ChatDeliveryStateRow(SQLModel, table=True):
    """Row id 1: when this installation first ran with a chat URL (replies older than that, minus a
    margin, are history the customer already had by other means, not something to send now)."""

    __tablename__ = "chat_delivery_state"

    id: int = Field(default=1, primary_key=True)
    enabled_since: datetime
