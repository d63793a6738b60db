"""How often agents keep what the auto-fill applied, per field, and what that suggests to an admin.

Advice needs at least MIN_REVIEWED applied values reviewed by agents (changed, or kept until the case was
done: app/pipeline/autofill/agent_edits.py). Below SUGGEST_ONLY_BELOW
acceptance (agents change more than 3 in 10), the field should be `suggest_only`; at HIGH_ACCEPTANCE or
more (agents change fewer than 1 in 20), its `min_confidence` can come down by CONFIDENCE_STEP, so that
more values are applied instead of only suggested (if suggestions are being taken up, all the more).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from app.extraction.mapping import FieldMapping
from app.ports.stores import FieldCounts

MIN_REVIEWED = 20
SUGGEST_ONLY_BELOW = 0.7
HIGH_ACCEPTANCE = 0.95
CONFIDENCE_STEP = 0.1
THRESHOLDS = {
    "min_reviewed": MIN_REVIEWED,
    "suggest_only_below": SUGGEST_ONLY_BELOW,
    "lower_min_confidence_from": HIGH_ACCEPTANCE,
    "confidence_step": CONFIDENCE_STEP,
}


class FieldAcceptance(BaseModel):
    field: str
    label: str
    column: str
    policy: str | None  # None: the field is no longer in the mapping
    min_confidence: float | None
    applied: int  # values written to cases
    reviewed: int  # of those, changed by an agent or kept until the case was done
    kept: int
    changed: int
    acceptance: float | None  # kept / reviewed
    suggested: int
    suggestions_reviewed: int  # taken up, or not until the case was done
    taken_up: int  # suggestions an agent then set on the case
    take_up: float | None  # taken_up / suggestions_reviewed
    advice: str | None


class AcceptanceReport(BaseModel):
    fields: list[FieldAcceptance]
    thresholds: dict[str, float]


def acceptance_report(mapping: FieldMapping, counts: Sequence[FieldCounts]) -> AcceptanceReport:
    """One entry per mapped field (in the mapping's order), then fields audited but no longer mapped."""
    by_name = {c.field: c for c in counts}
    entries = [
        _entry(f.name, f.label, f.column, f.policy, f.min_confidence, by_name.get(f.name))
        for f in mapping.fields
    ]
    mapped = {f.name for f in mapping.fields}
    entries += [_entry(c.field, c.field, c.column, None, None, c) for c in counts if c.field not in mapped]
    return AcceptanceReport(fields=entries, thresholds=THRESHOLDS)


def _entry(
    name: str,
    label: str,
    column: str,
    policy: str | None,
    min_confidence: float | None,
    counts: FieldCounts | None,
) -> FieldAcceptance:
    c = counts or FieldCounts(name, column)
    reviewed = c.kept + c.changed
    acceptance = c.kept / reviewed if reviewed else None
    return FieldAcceptance(
        field=name,
        label=label,
        column=column,
        policy=policy,
        min_confidence=min_confidence,
        applied=c.applied,
        reviewed=reviewed,
        kept=c.kept,
        changed=c.changed,
        acceptance=acceptance,
        suggested=c.suggested,
        suggestions_reviewed=c.suggestions_reviewed,
        taken_up=c.taken_up,
        take_up=c.taken_up / c.suggestions_reviewed if c.suggestions_reviewed else None,
        advice=advice(policy, min_confidence, reviewed, acceptance),
    )


def advice(
    policy: str | None, min_confidence: float | None, reviewed: int, acceptance: float | None
) -> str | None:
    if policy is None or acceptance is None or reviewed < MIN_REVIEWED or policy == "suggest_only":
        return None
    if acceptance < SUGGEST_ONLY_BELOW:
        return (
            f"Agents changed {1 - acceptance:.0%} of the values applied: make this field suggest_only "
            "(policy: suggest_only in its mapping file) until its rules or prompt are better."
        )
    if acceptance >= HIGH_ACCEPTANCE and min_confidence is not None and min_confidence > CONFIDENCE_STEP:
        lower = round(min_confidence - CONFIDENCE_STEP, 2)
        return (
            f"Agents kept {acceptance:.0%} of the values applied: min_confidence could come down from "
            f"{min_confidence:.2f} to {lower:.2f}, so that more values are applied instead of suggested."
        )
    return None
