"""SQLModel table definitions, both directions; every change here needs an Alembic migration."""

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
    version: int = 1  # raised by every save: how other processes notice one
    platform: str = "auto"  # the admin's choice: auto, netframework, netcore
    odata_root: str | None = None  # found by Test & Save
    token_endpoint: str | None = None  # found by Test & Save


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
    # The case's Subject and Symptoms as Casebridge last wrote them (None: a case from before migration 0010,
    # never rewritten), and those of a write whose outcome is not recorded yet (it may have reached Creatio).
    subject_written: str | None = None
    symptoms_written: str | None = None
    subject_sending: str | None = None
    symptoms_sending: str | None = None
    case_text_edited_at: datetime | None = None  # when an agent's edit was seen: never rewritten from then on
    warning: str | None = None
    connector_id: str | None = None  # the chat connector it came through; None: Casebridge's own contract
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


class DeliveryRow(SQLModel, table=True):
    """One notice for the chat platform, stored before it is sent; its id is the Idempotency-Key."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_state", "state", "id"),
        Index("ix_deliveries_platform_message", "conversation_id", "platform_message_id"),
    )

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
    platform_message_id: str | None = None  # the chat platform's id of the message it posted (echo guard)
    attempt_started_at: datetime | None = None  # an attempt under way (set before the POST, cleared after)
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
    previous_token_hash: str | None = None  # the token before the last rotation, accepted until:
    previous_valid_until: datetime | None = None
    last_accepted_at: datetime | None = None  # the latest call with the right token (any process)
    last_refused_at: datetime | None = None
    last_refused_status: int | None = None


class ReconcileStateRow(SQLModel, table=True):
    """The reconciliation (row name "creatio"): its cursors, its lease and when it runs next."""

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


class ChatConnectorRow(SQLModel, table=True):
    """A saved chat platform connector (e.g. Chatwoot): its settings as JSON, its secrets encrypted."""

    __tablename__ = "chat_connectors"

    id: str = Field(primary_key=True)  # the <connector id> of its webhook URL
    platform: str  # chatwoot
    settings: str = "{}"  # JSON: base URL, account, inbox filter, ...
    secrets_encrypted: str  # Fernet of a JSON object: API token, webhook secret(s)
    version: int = 1
    verified_at: datetime | None = None
    secret_rotated_at: datetime | None = None  # the previous webhook secret is accepted for a day after it
    updated_at: datetime = Field(default_factory=utcnow)
