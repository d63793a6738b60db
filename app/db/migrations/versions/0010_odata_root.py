"""The saved Creatio connection carries the admin's platform choice and what Test & Save found: the OData
root (`/0/odata` on .NET Framework, `/odata` on .NET Core / .NET 8) and the token endpoint. Connections
saved before keep NULLs and are detected at their first request (app/adapters/creatio/sender.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("integration_settings") as batch:
        batch.add_column(sa.Column("platform", sa.String(), nullable=False, server_default="auto"))
        batch.add_column(sa.Column("odata_root", sa.String(), nullable=True))
        batch.add_column(sa.Column("token_endpoint", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("integration_settings") as batch:
        batch.drop_column("token_endpoint")
        batch.drop_column("odata_root")
        batch.drop_column("platform")
