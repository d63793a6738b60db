"""When a Creatio webhook call was last accepted or refused, by any process (was per process).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("creatio_webhook") as table:
        table.add_column(sa.Column("last_accepted_at", TS))
        table.add_column(sa.Column("last_refused_at", TS))
        table.add_column(sa.Column("last_refused_status", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("creatio_webhook") as table:
        table.drop_column("last_refused_status")
        table.drop_column("last_refused_at")
        table.drop_column("last_accepted_at")
