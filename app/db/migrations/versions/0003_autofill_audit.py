"""Autofill audit: one row per field per auto-fill.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "autofill_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_external_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.Uuid()),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("column", sa.String(), nullable=False),
        sa.Column("value", sa.Text()),
        sa.Column("lookup_id", sa.String()),
        sa.Column("confidence", sa.Float()),
        sa.Column("evidence", sa.Text()),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("extractor", sa.String(), nullable=False),
        sa.Column("model", sa.String()),
        sa.Column("prompt_version", sa.String()),
        sa.Column("prompt_tokens", sa.Integer()),
        sa.Column("completion_tokens", sa.Integer()),
        sa.Column("latency_ms", sa.Integer()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("fallback_reason", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_autofill_audit_conversation", "autofill_audit", ["conversation_external_id", "id"])


def downgrade() -> None:
    op.drop_table("autofill_audit")
