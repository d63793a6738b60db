"""The one note activity an auto-fill adds to the case: what was filled, what is suggested, and why."""

from __future__ import annotations

from collections.abc import Sequence

from app.extraction.types import Extraction
from app.pipeline.autofill_policy import Decision

EVIDENCE_CHARS = 160


def note_text(decisions: Sequence[Decision], extraction: Extraction) -> str | None:
    """None when there is nothing to tell an agent (no value applied, suggested or kept)."""
    applied = [d for d in decisions if d.outcome == "applied"]
    suggested = [d for d in decisions if d.outcome == "suggested"]
    kept = [d for d in decisions if d.outcome == "skipped" and d.answer.value is not None]
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
