"""The AutofillPort on field mappings: extract, resolve lookups, apply the policies, audit every field,
and the one note activity that explains to the agent what was filled, suggested and why."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.domain.transcript import Transcript
from app.extraction.mapping import FieldMapping, MappedField
from app.extraction.types import Extraction, Extractor
from app.pipeline.autofill.lookups import LookupCache, LookupTable
from app.pipeline.autofill.policy import CaseState, Decision, decide
from app.pipeline.autofill.report import MappingReport, mapping_report
from app.ports.external import AutofillPort, AutofillResult, CrmPort
from app.ports.stores import AutofillAuditPort

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AutofillPlan:
    """What an auto-fill would do: the extraction and one decision per mapped field."""

    extraction: Extraction
    decisions: tuple[Decision, ...]
    lookups: LookupTable
    case: CaseState = field(default_factory=CaseState)

    @property
    def fields(self) -> dict[str, Any]:
        """Column -> value for the applied fields (GUID strings for lookups)."""
        return {d.field.column: d.write_value for d in self.decisions if d.outcome == "applied"}

    @property
    def note(self) -> str | None:
        return note_text(self.decisions, self.extraction)


class FieldAutofill:
    def __init__(
        self,
        mapping: FieldMapping,
        extractor: Extractor,
        lookups: LookupCache,
        audit: AutofillAuditPort | None = None,
    ) -> None:
        self.mapping = mapping
        self.extractor = extractor
        self.lookups = lookups
        self._audit = audit

    async def fill(self, transcript: Transcript, case_id: UUID | None, crm: CrmPort) -> AutofillResult:
        plan = await self.plan(transcript, case_id, crm)
        applied = plan.fields
        # DEBUG: the audit rows written with the case keep every decision (console, conversation page);
        # at INFO a line per conversation is a measurable cost on the sync's hot path (docs/performance.md).
        logger.debug(
            "fields auto-filled",
            extra={
                "conversation": transcript.conversation_external_id,
                "extractor": plan.extraction.extractor,
                "applied": sorted(applied),
                "suggested": sorted(d.field.name for d in plan.decisions if d.outcome == "suggested"),
            },
        )
        audit = tuple(audit_rows(plan, transcript.conversation_external_id, case_id))
        return AutofillResult(fields=applied, note=plan.note, audit=audit)

    async def plan(
        self, transcript: Transcript, case_id: UUID | None = None, crm: CrmPort | None = None
    ) -> AutofillPlan:
        """Everything but the writes: also what the preview shows."""
        extraction = await self.extractor.extract(transcript)
        table = await self.lookups.table(self.mapping)
        case = await self._case_state(transcript.conversation_external_id, case_id, crm)
        decisions = tuple(decide(f, extraction.get(f.name), table, case) for f in self.mapping.fields)
        return AutofillPlan(extraction, decisions, table, case)

    async def _case_state(self, conversation: str, case_id: UUID | None, crm: CrmPort | None) -> CaseState:
        """The case's current values; a case not created yet has nothing to protect."""
        columns = [f.column for f in self.mapping.fields if f.policy == "until_human_edit"]
        if case_id is None or crm is None or not columns:
            return CaseState()
        ours = await self._audit.applied_values(conversation) if self._audit else {}
        try:
            current: Mapping[str, Any] | None = await crm.read_case(case_id, columns)
        except Exception as exc:  # without the current values nothing may be overwritten
            logger.warning(
                "case not readable for auto-fill", extra={"case_id": str(case_id), "error": str(exc)}
            )
            return CaseState(ours=ours, unreadable=f"{type(exc).__name__}: {str(exc)[:120]}")
        return CaseState(current=current or {}, ours=ours)


@dataclass
class AutofillSetup:
    """The auto-fill as configured at start: the sync uses `port`, the admin pages the rest.
    `service` is None when auto-fill is off (no mapping files, or problems in them)."""

    mapping: FieldMapping
    port: AutofillPort
    service: FieldAutofill | None = None
    prompt_version: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def off_reason(self) -> str:
        return "; ".join(self.problems) or "there are no mapping files"

    async def report(self, directory: str) -> MappingReport:
        """Every mapped field's state, with the lookup GUIDs as resolved against the current Creatio."""
        service = self.service
        table = await service.lookups.table(self.mapping) if service else None
        info = service.extractor.info if service else None
        return mapping_report(self.mapping, directory, table, info, self.prompt_version)

    async def on_connection_saved(self) -> None:
        """Test & Save: resolve the lookup values again against the (possibly new) Creatio."""
        if self.service is not None:
            self.service.lookups.invalidate()
            await self.service.lookups.refresh(self.mapping)


def audit_rows(plan: AutofillPlan, conversation: str, case_id: UUID | None) -> list[dict[str, Any]]:
    """One autofill_audit row per field (column -> value; see AutofillAuditRow)."""
    x = plan.extraction
    common: dict[str, Any] = {
        "conversation_external_id": conversation,
        "case_id": case_id,
        "extractor": x.extractor,
        "model": x.model,
        "prompt_version": x.prompt_version,
        "prompt_tokens": x.prompt_tokens,
        "completion_tokens": x.completion_tokens,
        "latency_ms": x.latency_ms,
        "attempts": len(x.attempts),
        "fallback_reason": x.fallback_reason,
    }
    return [
        {
            "field": d.field.name,
            "column": d.field.column,
            "value": d.display,
            "lookup_id": str(d.lookup_id) if d.lookup_id else None,
            "confidence": d.answer.confidence if d.answer.value is not None else None,
            "evidence": d.answer.evidence,
            "outcome": d.outcome,
            "reason": d.reason,
            "column_value": _json(d.write_value),
            "case_value": _json(held(d.field, plan.case, plan.lookups))
            if d.write_value is not None
            else None,
            **common,
        }
        for d in plan.decisions
    ]


def held(field: MappedField, case: CaseState, lookups: LookupTable) -> Any:
    """What the column held when Casebridge decided: as read from the case, or for a case created with the
    values, Creatio's default (`creatio_default`); None when unknown."""
    if case.current is not None:
        return case.current.get(field.column)
    default = field.spec.creatio_default
    if default is None or field.lookup is None:
        return default
    found = lookups.get(field.lookup, default).id
    return str(found) if found else None


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


EVIDENCE_CHARS = 160


def note_text(decisions: Sequence[Decision], extraction: Extraction) -> str | None:
    """None when there is nothing to tell an agent (no value applied, suggested or kept)."""
    applied = [d for d in decisions if d.outcome == "applied"]
    suggested = [d for d in decisions if d.outcome == "suggested"]
    kept = [d for d in decisions if d.outcome == "skipped" and d.answer.value is not None]
    undecided = [d for d in decisions if d.outcome == "skipped" and d.answer.value is None]
    if not (applied or suggested or kept):
        return None
    counts = f"{len(applied)} field(s) filled, {len(suggested)} suggestion(s)"
    lines = [f"{counts} by {_source(extraction)}."]
    if applied:
        lines += ["", "Filled:"] + [_line(d) for d in applied]
    if suggested:
        lines += ["", "Suggested (not written; set them yourself if they are right):"]
        lines += [f"{_line(d)}; {d.reason}" for d in suggested]
    if kept:
        lines += ["", "Not written:"] + [f"- {d.field.label}: {d.display}; {d.reason}" for d in kept]
    if undecided:
        lines += ["", "Left alone (no value decided):"]
        lines += [f"- {d.field.label}: {d.reason}" for d in undecided]
    return "\n".join(lines)


def _line(decision: Decision) -> str:
    answer = decision.answer
    evidence = (answer.evidence or "").strip().replace("\n", " ")
    if len(evidence) > EVIDENCE_CHARS:
        evidence = evidence[: EVIDENCE_CHARS - 1] + "…"
    return f'- {decision.field.label}: {decision.display} (confidence {answer.confidence:.2f}) - "{evidence}"'


def _source(extraction: Extraction) -> str:
    if extraction.extractor == "llm":
        return f"the AI model {extraction.model} (prompt {extraction.prompt_version})"
    if extraction.fallback_reason:
        return f"keyword rules, because the AI model failed ({extraction.fallback_reason[:120]})"
    return "keyword rules (offline extractor)"
