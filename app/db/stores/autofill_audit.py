"""The autofill audit: one row per field per auto-fill, with what was decided, why, at what cost, and what
agents did with it (app/pipeline/autofill/agent_edits.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Index, and_, case, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Field, SQLModel, col, select

from app.db.engine import SessionFactory
from app.db.prepared import Prepared
from app.db.tables import BIGINT_ID, ConversationRow, utcnow
from app.ports.stores import AgentValue, FieldCounts, TrackedValue

CHUNK = 400  # case ids per IN (...) query


class AutofillAuditRow(SQLModel, table=True):
    """Migrations 0003 and 0012. `value` is the extracted value as text; `lookup_id` its GUID for lookups.
    `column_value`, `case_value` and `agent_value` are JSON: the value as (it would be) written to the
    column, what the column held when Casebridge decided, and what an agent set instead of an applied value
    (or the suggestion an agent took up), seen at `agent_changed_at`; `reviewed_at`: since when what
    agents did with it is known (app/pipeline/autofill/agent_edits.py)."""

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
    column_value: str | None = None
    case_value: str | None = None
    agent_value: str | None = None
    agent_changed_at: datetime | None = None
    reviewed_at: datetime | None = None


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

    async def tracked_values(self, case_ids: Sequence[UUID]) -> list[TrackedValue]:
        """Per case and column the latest applied or suggested row, of conversations whose handoff (and so
        its values) has reached the case; values still being written are not compared yet."""
        conv, row = ConversationRow, AutofillAuditRow
        latest: dict[tuple[UUID, str], AutofillAuditRow] = {}
        async with self._sessions() as session:
            for start in range(0, len(case_ids), CHUNK):
                query = (
                    select(conv.case_id, row)
                    .join(conv, col(conv.external_id) == col(row.conversation_external_id))
                    .where(
                        col(conv.case_id).in_(case_ids[start : start + CHUNK]),
                        col(conv.handoff_at).is_not(None),
                        col(conv.handoff_applied_at) == col(conv.handoff_at),
                        col(row.outcome).in_(("applied", "suggested")),
                    )
                    .order_by(col(row.id))
                )
                for case_id, audit in (await session.exec(query)).all():
                    if case_id is not None:
                        latest[(case_id, audit.column)] = audit
        return [_tracked(case_id, audit) for (case_id, _column), audit in latest.items()]

    async def record_agent_values(self, values: Sequence[AgentValue]) -> None:
        async with self._sessions() as session, session.begin():
            for value in values:
                statement = (
                    update(AutofillAuditRow)
                    .where(col(AutofillAuditRow.id) == value.row_id)
                    .values(
                        agent_value=_encoded(value.agent_value),
                        agent_changed_at=value.agent_changed_at,
                        reviewed_at=value.reviewed_at,
                    )
                )
                await session.exec(statement)

    async def field_counts(self) -> list[FieldCounts]:
        """Every audited field's rows by what agents did with them."""
        row = AutofillAuditRow
        applied, suggested = col(row.outcome) == "applied", col(row.outcome) == "suggested"
        reviewed, changed = col(row.reviewed_at).is_not(None), col(row.agent_value).is_not(None)

        def count(*conditions: Any) -> Any:
            return func.sum(case((and_(*conditions), 1), else_=0))

        query = (
            sa_select(
                col(row.field),
                func.max(col(row.column)),
                count(applied),
                count(applied, reviewed, ~changed),
                count(applied, reviewed, changed),
                count(suggested),
                count(suggested, reviewed),
                count(suggested, changed),
            )
            .where(col(row.outcome).in_(("applied", "suggested")))
            .group_by(col(row.field))
            .order_by(col(row.field))
        )
        async with self._sessions() as session:
            connection = await session.connection()  # sqlmodel's exec types at most 4 columns
            rows = (await connection.execute(query)).all()
        return [FieldCounts(str(r[0]), str(r[1]), *(int(n or 0) for n in r[2:])) for r in rows]


def _tracked(case_id: UUID, row: AutofillAuditRow) -> TrackedValue:
    written = _decoded(row.column_value) if row.column_value is not None else (row.lookup_id or row.value)
    return TrackedValue(
        row_id=row.id or 0,
        case_id=case_id,
        column=row.column,
        outcome=row.outcome,
        written=written,
        case_value=_decoded(row.case_value),
        agent_value=_decoded(row.agent_value),
        reviewed=row.reviewed_at is not None,
    )


def _encoded(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _decoded(text: str | None) -> Any:
    return None if text is None else json.loads(text)
