"""Integration settings table.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integration_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_url", sa.String(), nullable=False),
        sa.Column("identity_url", sa.String(), nullable=True),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("client_secret_encrypted", sa.String(), nullable=False),
        sa.Column("default_owner_id", sa.String(), nullable=True),
        sa.Column("default_group_id", sa.String(), nullable=True),
        sa.Column("resolved_status_id", sa.String(), nullable=True),
        sa.Column("create_case_only_on_handoff", sa.Boolean(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("integration_settings")
