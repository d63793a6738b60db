"""Conversations, messages, inbound events and jobs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String()),
        sa.Column("url", sa.String()),
        sa.Column("customer_name", sa.String()),
        sa.Column("customer_email", sa.String()),
        sa.Column("customer_phone", sa.String()),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_changed_at", TS),
        sa.Column("handoff_summary", sa.Text()),
        sa.Column("handoff_reason", sa.String()),
        sa.Column("handoff_at", TS),
        sa.Column("handoff_applied_at", TS),
        sa.Column("case_id", sa.Uuid()),
        sa.Column("case_number", sa.String()),
        sa.Column("case_created_at", TS),
        sa.Column("contact_id", sa.Uuid()),
        sa.Column("contact_state", sa.String(), nullable=False),
        sa.Column("case_status_applied", sa.String()),
        sa.Column("autofill_fields", sa.Text()),
        sa.Column("autofill_for", TS),
        sa.Column("warning", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_conversations_external_id", "conversations", ["external_id"], unique=True)
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("conversation_id", sa.Uuid(), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", TS, nullable=False),
        sa.Column("synced_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("conversation_id", "external_id"),
    )
    op.create_index("ix_messages_conversation_id", "messages", ["conversation_id"])
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("conversation_id", sa.Uuid(), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_inbound_events_conversation_id", "inbound_events", ["conversation_id"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("queue_key", sa.String()),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", TS, nullable=False),
        sa.Column("leased_until", TS),
        sa.Column("lease_owner", sa.String()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_jobs_claim", "jobs", ["state", "run_after"])
    op.create_index("ix_jobs_queue_key", "jobs", ["queue_key", "id"])


def downgrade() -> None:
    for table in ("jobs", "inbound_events", "messages", "conversations"):
        op.drop_table(table)
