"""Migration 0003 and the audit store, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine, create_session_factory, upgrade_to_head
from app.db.stores.autofill_audit import AutofillAuditStore, insert_audit_rows
from app.db.transactions import EngineTransactions
from app.domain.creatio_ids import CasePriorityIds


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
