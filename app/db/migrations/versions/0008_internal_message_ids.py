"""Ids of the messages Casebridge stores itself move out of the chat platform's id space.

The handoff summary was stored as message `handoff:<event id>` and the auto-fill note as
`autofill:<handoff time>`; a chat message may carry either id, and then took their place (the handoff was
answered as a duplicate, the note never written). Chat ids cannot contain a space, so the prefix now ends
with one (`app/domain/events.py`, `internal_message_id`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

RENAMES = (("handoff", "handoff"), ("note", "autofill"))
RENAME = sa.text(
    "UPDATE messages"
    " SET external_id = CAST(:new_prefix AS VARCHAR) || substr(external_id, CAST(:cut AS INTEGER))"
    " WHERE author = :author AND external_id LIKE :old_pattern"
)


def _rename(old_separator: str, new_separator: str) -> None:
    for author, prefix in RENAMES:
        op.execute(
            RENAME.bindparams(
                new_prefix=prefix + new_separator,
                cut=len(prefix) + 2,
                author=author,
                old_pattern=f"{prefix}{old_separator}%",
            )
        )


def upgrade() -> None:
    _rename(":", " ")


def downgrade() -> None:
    _rename(" ", ":")
