"""Auto-fill audit rows learn what agents did with them: the value as written to the column, what the column
held when Casebridge decided, the value an agent set instead (or a suggestion an agent took up) and when,
and since when what agents did with it is known (app/pipeline/autofill/agent_edits.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

TEXT_COLUMNS = ("column_value", "case_value", "agent_value")
TIME_COLUMNS = ("agent_changed_at", "reviewed_at")


def upgrade() -> None:
    with op.batch_alter_table("autofill_audit") as batch:
        for name in TEXT_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text()))
        for name in TIME_COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("autofill_audit") as batch:
        for name in reversed(TIME_COLUMNS):
            batch.drop_column(name)
        for name in reversed(TEXT_COLUMNS):
            batch.drop_column(name)
