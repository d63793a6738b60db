"""SQLModel table definitions; every change here needs an Alembic migration."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

# SQLite's INTEGER PRIMARY KEY and PostgreSQL's bigint (migration 0007): what every row number, id or
# offset given to a query must fit in.
MAX_DATABASE_INTEGER = 2**63 - 1
# A 64-bit id on PostgreSQL; on SQLite only the exact type INTEGER makes the column the rowid.
BIGINT_ID = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class IntegrationSettingsRow(SQLModel, table=True):
    """The single saved Creatio connection (id is always 1); the secret is encrypted."""

    __tablename__ = "integration_settings"

    id: int = Field(default=1, primary_key=True)
    instance_url: str
    identity_url: str | None = None
    client_id: str
    client_secret_encrypted: str
    default_owner_id: str | None = None
    default_group_id: str | None = None
    resolved_status_id: str | None = None
    create_case_only_on_handoff: bool = False
    verified_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ConversationRow(SQLModel, table=True):
    """A chat conversation and what has been applied of it to its Creatio case."""

    __tablename__ = "conversations"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    external_id: str = Field(unique=True, index=True)
    channel: str | None = None
    url: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    status: str = "open"  # open | handed_off | resolved (chat side, by the latest event time)
    status_changed_at: datetime | None = None
    handoff_summary: str | None = None
    handoff_reason: str | None = None
    handoff_at: datetime | None = None
    handoff_applied_at: datetime | None = None  # the handoff_at whose owner/group/fields reached the case
    case_id: UUID | None = Field(default=None, index=True)  # generated before the case is created in Creatio
    case_number: str | None = None
    case_created_at: datetime | None = None
    contact_id: UUID | None = None
    contact_state: str = "unknown"  # unknown | matched | creating | created | none
    case_status_applied: str | None = None  # resolved | reopened, as last written to the case
    autofill_fields: str | None = None  # JSON of the values computed for one handoff, reused on retries
    autofill_for: datetime | None = None  # the handoff_at those values were computed for
    warning: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def handoff_pending(self) -> bool:
        return self.handoff_at is not None and self.handoff_applied_at != self.handoff_at


class MessageRow(SQLModel, table=True):
    """A message of a conversation; its id is the Creatio Activity Id it is written as."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "external_id"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    conversation_id: UUID = Field(foreign_key="conversations.id", index=True)
    external_id: str
    author: str  # customer | ai | handoff
    text: str
    sent_at: datetime
    synced_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class InboundEventRow(SQLModel, table=True):
    """Every accepted chat event, kept verbatim; the primary key makes intake idempotent."""

    __tablename__ = "inbound_events"

    id: str = Field(primary_key=True)
    conversation_id: UUID = Field(foreign_key="conversations.id", index=True)
    type: str
    occurred_at: datetime
    received_at: datetime = Field(default_factory=utcnow)
    body: str


class JobRow(SQLModel, table=True):
    """Durable work: claimed with a lease, ordered per queue key, retried, then dead-lettered."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claim", "state", "run_after"),
        Index("ix_jobs_queue_key", "queue_key", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BIGINT_ID)
    kind: str
    queue_key: str | None = None
    payload: str = "{}"
    state: str = "queued"  # queued | running | done | dead
    attempts: int = 0
    max_attempts: int = 12
    run_after: datetime = Field(default_factory=utcnow)
    leased_until: datetime | None = None
    lease_owner: str | None = None
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
