"""Decides per field: apply, suggest or skip (policies, confidence, lookups, agents' edits)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any, Literal
from uuid import UUID

from app.domain.creatio_ids import ZERO_GUID
from app.extraction.keywords import steers
from app.extraction.mapping import MappedField
from app.extraction.types import FieldValue, Value
from app.pipeline.autofill.lookups import LookupTable

Outcome = Literal["applied", "suggested", "skipped"]


@dataclass(frozen=True)
class CaseState:
    """What the case holds, for `until_human_edit`. `current` None: no case yet, nothing to protect."""

    current: Mapping[str, Any] | None = None
    ours: Mapping[str, str] = dataclass_field(default_factory=dict)  # column -> what Casebridge wrote
    unreadable: str | None = None  # why the case could not be read (then nothing is overwritten)


@dataclass(frozen=True)
class Decision:
    field: MappedField
    answer: FieldValue
    outcome: Outcome
    reason: str | None = None
    write_value: Any = None  # the column's value as sent to Creatio (a GUID string for lookups)
    lookup_id: UUID | None = None

    @property
    def display(self) -> str | None:
        return display(self.answer.value)


def display(value: Value | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if isinstance(value, date) else str(value)


def decide(field: MappedField, answer: FieldValue, lookups: LookupTable, case: CaseState) -> Decision:
    if answer.value is None:
        return Decision(field, answer, "skipped", "not clear from the conversation")
    if field.values and display(answer.value) not in field.values and field.type != "boolean":
        return Decision(
            field, answer, "skipped", f"{display(answer.value)!r} is not one of the allowed values"
        )
    if answer.evidence and steers(answer.evidence):
        return Decision(
            field, answer, "skipped", "the evidence is an instruction typed into the chat, not a description"
        )
    if field.column in lookups.missing_columns:
        where = f"{field.source.name}:{field.line}"
        return Decision(
            field, answer, "skipped", f"Case has no column {field.column}; fix `column:` ({where})"
        )
    write, lookup_id, problem = column_value(field, answer.value, lookups)
    if problem is not None:
        return Decision(
            field, answer, "skipped", f"no GUID for {display(answer.value)!r} ({problem}); not sent"
        )
    outcome, reason = _verdict(field, answer, write, lookups, case)
    return Decision(field, answer, outcome, reason, write, lookup_id)


def _verdict(
    field: MappedField, answer: FieldValue, write: Any, lookups: LookupTable, case: CaseState
) -> tuple[Outcome, str | None]:
    if field.policy == "suggest_only":
        return "suggested", "policy suggest_only: never written automatically"
    if answer.confidence < field.min_confidence:
        return "suggested", f"confidence {answer.confidence:.2f} is below {field.min_confidence:.2f}"
    if field.policy != "until_human_edit" or (case.current is None and not case.unreadable):
        return "applied", None
    if case.unreadable or case.current is None:
        return "suggested", f"the case could not be read to check for an agent's edit ({case.unreadable})"
    now = case.current.get(field.column)
    if same(now, write):
        return "skipped", "the case already holds this value"
    if not _replaceable(field, now, case, lookups):
        shown = (lookups.name_of(field.lookup, now) if field.lookup else None) or display_raw(now)
        return "skipped", f"kept {shown!r}, set in Creatio by someone else (until_human_edit)"
    return "applied", None


def column_value(
    field: MappedField, value: Value, lookups: LookupTable
) -> tuple[Any, UUID | None, str | None]:
    """What is written to the column, the lookup GUID, or why it cannot be written."""
    if field.lookup is not None:
        resolution = lookups.get(field.lookup, str(value))
        if resolution.id is None:
            return None, None, resolution.problem or f"not found in {field.lookup}"
        return str(resolution.id), resolution.id, None
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z", None, None
    if isinstance(value, float) and value.is_integer():
        return int(value), None, None
    return value, None, None


def _replaceable(field: MappedField, now: Any, case: CaseState, lookups: LookupTable) -> bool:
    """Empty, Creatio's default, or what Casebridge wrote before: not an agent's choice."""
    if _is_empty(field, now) or same(now, case.ours.get(field.column)):
        return True
    default = field.spec.creatio_default
    if default is None:
        return False
    if field.lookup is not None:
        return same(now, lookups.get(field.lookup, default).id)
    return same(now, default)


def _is_empty(field: MappedField, value: Any) -> bool:
    if value is None or value == "" or str(value).lower() == str(ZERO_GUID):
        return True
    if field.type == "date":
        return str(value).startswith("0001-01-01")
    if field.type == "number":
        return bool(value == 0)
    return field.type == "boolean" and value is False


def same(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return bool(float(left) == float(right))
    a, b = str(left).strip().lower(), str(right).strip().lower()
    return a == b or (len(a) >= 10 and len(b) >= 10 and a[:10] == b[:10] and _is_date(a) and _is_date(b))


def display_raw(value: Any) -> str:
    return "" if value is None else str(value)


def _is_date(text: str) -> bool:
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()
