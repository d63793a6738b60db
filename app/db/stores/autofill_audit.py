"""The autofill audit: one row per field per auto-fill, with what was decided, why, and at what cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Index, insert
from sqlmodel import Field, SQLModel, col, select

from app.db.engine import SessionFactory
from app.db.prepared import Prepared
from app.db.tables import BIGINT_ID, utcnow


class AutofillAuditRow(SQLModel, table=True):
    """Migration 0003. `value` is the extracted value as text; `lookup_id` its GUID for lookups."""

    __tablename__ = "autofill_audit"
    __table_args__ = (Index("ix_autofill_audit_conversation", "conversation_external_id", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BIGINT_ID)
    conversation_external_id: str
    case_id: UUID | None = None
    field: str
    column: str
    value: str | None = None
    lookup_id: str | None = None
    confidence: float | None = None
    evidence: str | None = None
    outcome: str  # applied | suggested | skipped
    reason: str | None = None
    extractor: str  # llm | offline
    model: str | None = None
    prompt_version: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: int | None = None
    attempts: int = 0
    fallback_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


_INSERT = Prepared(insert(AutofillAuditRow.__table__))  # type: ignore[attr-defined]


def insert_audit_rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows as column -> value (`created_at` defaults to now), in the caller's transaction: the sync
    stores them with the values they explain (app/db/stores/conversations.py)."""
    now = utcnow()
    _INSERT.execute_many(conn, [{"created_at": now, **row} for row in rows])


class AutofillAuditStore:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def applied_values(self, conversation_external_id: str) -> dict[str, str]:
        """Per column, the value Casebridge last wrote for this conversation's case (as text)."""
        query = (
            select(AutofillAuditRow.column, AutofillAuditRow.lookup_id, AutofillAuditRow.value)
            .where(
                col(AutofillAuditRow.conversation_external_id) == conversation_external_id,
                col(AutofillAuditRow.outcome) == "applied",
            )
            .order_by(col(AutofillAuditRow.id))
        )
        async with self._sessions() as session:
            rows = (await session.exec(query)).all()
        return {column: lookup_id or value or "" for column, lookup_id, value in rows}

    async def for_conversation(
        self, conversation_external_id: str, limit: int = 200
    ) -> list[AutofillAuditRow]:
        query = (
            select(AutofillAuditRow)
            .where(col(AutofillAuditRow.conversation_external_id) == conversation_external_id)
            .order_by(col(AutofillAuditRow.id).desc())
            .limit(limit)
        )
        async with self._sessions() as session:
            return list((await session.exec(query)).all())
