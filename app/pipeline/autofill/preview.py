"""The auto-fill preview: what would be filled and why, as the admin API and CLI show it (no writes)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from app.pipeline.autofill.fill import AutofillPlan


class AttemptView(BaseModel):
    number: int
    latency_ms: int
    prompt_tokens: int | None
    completion_tokens: int | None
    error: str | None


class DecisionView(BaseModel):
    field: str
    label: str
    column: str
    value: Any
    lookup_id: UUID | None
    write_value: Any
    confidence: float | None
    evidence: str | None
    outcome: Literal["applied", "suggested", "skipped"]
    reason: str | None


class PreviewReport(BaseModel):
    """What an auto-fill would do; nothing is written to Creatio (`applied` means "would be applied")."""

    written: Literal[False] = False
    extractor: str
    model: str | None
    prompt_version: str | None
    fallback_reason: str | None
    attempts: list[AttemptView]
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int
    fields: list[DecisionView]
    note: str | None


def preview_report(plan: AutofillPlan) -> PreviewReport:
    x = plan.extraction
    return PreviewReport(
        extractor=x.extractor,
        model=x.model,
        prompt_version=x.prompt_version,
        fallback_reason=x.fallback_reason,
        attempts=[AttemptView(**vars(a)) for a in x.attempts],
        prompt_tokens=x.prompt_tokens,
        completion_tokens=x.completion_tokens,
        latency_ms=x.latency_ms,
        fields=[
            DecisionView(
                field=d.field.name,
                label=d.field.label,
                column=d.field.column,
                value=d.display,
                lookup_id=d.lookup_id,
                write_value=d.write_value if d.outcome == "applied" else None,
                confidence=d.answer.confidence if d.answer.value is not None else None,
                evidence=d.answer.evidence,
                outcome=d.outcome,
                reason=d.reason,
            )
            for d in plan.decisions
        ],
        note=plan.note,
    )
