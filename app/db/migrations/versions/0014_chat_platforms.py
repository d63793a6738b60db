"""Chat platform connectors (issue 18): the saved connectors (Chatwoot first), the connector a conversation
came through (NULL: Casebridge's own event contract), and the platform's id of what a delivery posted (so
the platform's webhook for it is recognised as an echo, by id), and when a delivery's attempt started
while its outcome is not recorded yet (the conversation's sync waits for it: its echo may be in flight).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_connectors",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("secrets_encrypted", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("verified_at", sa.DateTime(timezone=True)),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("connector_id", sa.String()))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("platform_message_id", sa.String()))
        batch.add_column(sa.Column("attempt_started_at", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_deliveries_platform_message", "deliveries", ["conversation_id", "platform_message_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_platform_message", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("attempt_started_at")
        batch.drop_column("platform_message_id")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("connector_id")
    op.drop_table("chat_connectors")
