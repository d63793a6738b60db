"""Conversations remember the Subject and Symptoms Casebridge wrote on their case, so that a customer message
sent earlier but received later can rewrite them, unless an agent has edited them in Creatio
(app/pipeline/chat_to_crm/sync.py). Cases created before this revision have none recorded and keep theirs.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

COLUMNS = ("subject_written", "symptoms_written", "subject_sending", "symptoms_sending")


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Text()))
        batch.add_column(sa.Column("case_text_edited_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("case_text_edited_at")
        for name in reversed(COLUMNS):
            batch.drop_column(name)
