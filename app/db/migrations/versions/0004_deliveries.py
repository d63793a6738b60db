"""Creatio to chat: deliveries, the webhook token, the reconciliation's state.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    _deliveries()
    _webhook_token_and_poll_state()


def _deliveries() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("conversation_id", sa.Uuid(), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=False, unique=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("activity_id", sa.Uuid()),
        sa.Column("text", sa.Text()),
        sa.Column("author_name", sa.String()),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_number", sa.String()),
        sa.Column("status_id", sa.Uuid()),
        sa.Column("status_name", sa.String()),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("delivered_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_deliveries_conversation_id", "deliveries", ["conversation_id"])
    op.create_index("ix_deliveries_state", "deliveries", ["state", "id"])
    op.create_index("ix_conversations_case_id", "conversations", ["case_id"])


def _webhook_token_and_poll_state() -> None:
    op.create_table(
        "creatio_webhook",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("rotated_at", TS),
    )
    state = op.create_table(
        "reconcile_state",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("cursors", sa.Text(), nullable=False),
        sa.Column("next_run_at", TS, nullable=False),
        sa.Column("leased_until", TS),
        sa.Column("lease_owner", sa.String()),
        sa.Column("last_run_at", TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("updated_at", TS, nullable=False),
    )
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    op.bulk_insert(state, [{"name": "creatio", "cursors": "{}", "next_run_at": epoch, "updated_at": epoch}])


def downgrade() -> None:
    op.drop_index("ix_conversations_case_id", "conversations")
    for table in ("reconcile_state", "creatio_webhook", "deliveries"):
        op.drop_table(table)
