"""Migration 0003 and the audit store, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import SessionFactory, create_engine, create_session_factory, upgrade_to_head
from app.db.stores.autofill_audit import AutofillAuditStore, insert_audit_rows
from app.db.tables import ConversationRow, utcnow
from app.db.transactions import EngineTransactions
from app.domain.creatio_ids import CasePriorityIds
from app.ports.stores import AgentValue, FieldCounts


def row(field: str, column: str, outcome: str, value: str, lookup_id: str | None = None) -> dict[str, Any]:
    return {
        "conversation_external_id": "c1",
        "case_id": uuid4(),
        "field": field,
        "column": column,
        "value": value,
        "lookup_id": lookup_id,
        "confidence": 0.9,
        "evidence": "quote",
        "outcome": outcome,
        "extractor": "llm",
        "model": "gpt-4o-mini",
        "prompt_version": "p-1",
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "latency_ms": 350,
        "attempts": 2,
        "column_value": None,
        "case_value": None,
    }


async def record(engine: AsyncEngine, rows: list[dict[str, Any]]) -> None:
    await EngineTransactions(engine).run(lambda conn: insert_audit_rows(conn, rows))


async def test_audit_rows_and_what_casebridge_wrote(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_to_head(engine)
        async with engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("autofill_audit")}
            )
        store = AutofillAuditStore(create_session_factory(engine))
        await record(engine, [row("priority", "PriorityId", "applied", "High", str(CasePriorityIds.HIGH))])
        await record(
            engine,
            [
                row("priority", "PriorityId", "applied", "Low", str(CasePriorityIds.LOW)),
                row("order_number", "UsrOrderNumber", "applied", "AB-123456"),
                row("product", "UsrProduct", "suggested", "API"),
            ],
        )
        applied = await store.applied_values("c1")
        rows = await store.for_conversation("c1")
    finally:
        await engine.dispose()
    assert {
        "value",
        "lookup_id",
        "confidence",
        "evidence",
        "outcome",
        "reason",
        "model",
        "prompt_version",
    } <= columns
    assert {"prompt_tokens", "completion_tokens", "latency_ms", "attempts", "fallback_reason"} <= columns
    assert applied == {"PriorityId": str(CasePriorityIds.LOW), "UsrOrderNumber": "AB-123456"}
    assert [r.field for r in rows] == ["product", "order_number", "priority", "priority"]  # newest first
    assert (rows[0].prompt_tokens, rows[0].latency_ms, rows[0].attempts) == (100, 350, 2)


async def test_what_agents_did_with_the_values_on_both_databases(sessions: SessionFactory) -> None:
    """Migration 0012: tracked values of handoffs that reached their case, what reads found, the counts."""
    handoff = utcnow()
    case_id, pending_case = uuid4(), uuid4()
    async with sessions() as session, session.begin():
        session.add(
            ConversationRow(external_id="c1", case_id=case_id, handoff_at=handoff, handoff_applied_at=handoff)
        )
        session.add(ConversationRow(external_id="c2", case_id=pending_case, handoff_at=handoff))
    engine_rows = [
        row("priority", "PriorityId", "applied", "High", str(CasePriorityIds.HIGH)),
        row("priority", "PriorityId", "applied", "Low", str(CasePriorityIds.LOW)),
        row("order_number", "UsrOrderNumber", "applied", "AB-123456") | {"column_value": '"AB-123456"'},
        row("product", "UsrProduct", "suggested", "API") | {"column_value": '"API"', "case_value": '""'},
        row("category", "CategoryId", "skipped", "Incident"),
        row("priority", "PriorityId", "applied", "High", str(CasePriorityIds.HIGH))
        | {"conversation_external_id": "c2"},
    ]
    async with sessions() as session, session.begin():
        await session.run_sync(lambda s: insert_audit_rows(s.connection(), engine_rows))
    store = AutofillAuditStore(sessions)

    tracked = {t.column: t for t in await store.tracked_values([case_id, pending_case])}
    assert set(tracked) == {"PriorityId", "UsrOrderNumber", "UsrProduct"}  # not c2's: still being written
    assert tracked["PriorityId"].written == str(CasePriorityIds.LOW)  # the latest row; no column_value: GUID
    assert (tracked["UsrProduct"].written, tracked["UsrProduct"].case_value) == ("API", "")
    assert {t.case_id for t in tracked.values()} == {case_id}

    now = utcnow()
    await store.record_agent_values(
        [
            AgentValue(tracked["PriorityId"].row_id, str(CasePriorityIds.CRITICAL), now, now),
            AgentValue(tracked["UsrOrderNumber"].row_id, None, None, now),
            AgentValue(tracked["UsrProduct"].row_id, "API", now, now),
        ]
    )
    again = {t.column: t for t in await store.tracked_values([case_id])}
    assert again["PriorityId"].agent_value == str(CasePriorityIds.CRITICAL)
    assert again["UsrOrderNumber"].reviewed
    assert again["UsrOrderNumber"].agent_value is None

    counts = {c.field: c for c in await store.field_counts()}
    assert counts["priority"] == FieldCounts("priority", "PriorityId", applied=3, kept=0, changed=1)
    assert counts["order_number"] == FieldCounts("order_number", "UsrOrderNumber", applied=1, kept=1)
    assert counts["product"] == FieldCounts(
        "product", "UsrProduct", suggested=1, suggestions_reviewed=1, taken_up=1
    )
    assert "category" not in counts  # skipped values are neither applied nor suggested
