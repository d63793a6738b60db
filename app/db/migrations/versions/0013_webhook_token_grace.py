"""The previous Creatio webhook token, kept working for a grace period chosen at rotation (none by default).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("creatio_webhook") as table:
        table.add_column(sa.Column("previous_token_hash", sa.String()))
        table.add_column(sa.Column("previous_valid_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("creatio_webhook") as table:
        table.drop_column("previous_valid_until")
        table.drop_column("previous_token_hash")
