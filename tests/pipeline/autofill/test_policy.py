"""Per-field decisions: policies, thresholds, lookups, and never overwriting an agent's edit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest

from app.domain.creatio_ids import ZERO_GUID, CasePriorityIds
from app.extraction.mapping import FieldMapping, MappedField
from app.extraction.types import FieldValue
from app.pipeline.autofill.lookups import LookupTable, Resolution
from app.pipeline.autofill.policy import CaseState, decide

IDS = {
    "Critical": CasePriorityIds.CRITICAL,
    "High": CasePriorityIds.HIGH,
    "Medium": CasePriorityIds.MEDIUM,
    "Low": CasePriorityIds.LOW,
}
TABLE = LookupTable(
    {("CasePriority", n.casefold()): Resolution("CasePriority", n, i) for n, i in IDS.items()}
    | {
        ("CaseCategory", "incident"): Resolution(
            "CaseCategory", "Incident", None, "not found in CaseCategory"
        )
    }
)
HIGH = FieldValue("High", 0.9, "blocked")


@pytest.fixture
def priority(mapping: FieldMapping) -> MappedField:
    return mapping.field("priority")


def case(**current: Any) -> CaseState:
    return CaseState(current={k: str(v) if isinstance(v, UUID) else v for k, v in current.items()})


def test_a_new_case_has_nothing_to_protect(priority: MappedField) -> None:
    decision = decide(priority, HIGH, TABLE, CaseState())
    assert (decision.outcome, decision.write_value, decision.lookup_id) == (
        "applied",
        str(IDS["High"]),
        IDS["High"],
    )


@pytest.mark.parametrize(
    ("current", "ours", "outcome", "reason"),
    [
        (str(ZERO_GUID), {}, "applied", None),
        (None, {}, "applied", None),
        (CasePriorityIds.MEDIUM, {}, "applied", None),  # Creatio's default (creatio_default: Medium)
        (CasePriorityIds.CRITICAL, {"PriorityId": str(CasePriorityIds.CRITICAL)}, "applied", None),  # ours
        (CasePriorityIds.HIGH, {}, "skipped", "the case already holds this value"),
        (CasePriorityIds.LOW, {}, "skipped", "kept 'Low', set in Creatio by someone else (until_human_edit)"),
        (CasePriorityIds.LOW, {"PriorityId": str(CasePriorityIds.CRITICAL)}, "skipped", "kept 'Low'"),
    ],
)
def test_until_human_edit(
    priority: MappedField, current: Any, ours: dict[str, str], outcome: str, reason: str | None
) -> None:
    state = CaseState(current={"PriorityId": str(current) if current else current}, ours=ours)
    decision = decide(priority, HIGH, TABLE, state)
    assert decision.outcome == outcome
    assert (decision.reason or "").startswith(reason or "")


def test_always_overwrites_and_suggest_only_never_writes(priority: MappedField) -> None:
    agent = case(PriorityId=CasePriorityIds.LOW)
    assert decide(replace(priority, policy="always"), HIGH, TABLE, agent).outcome == "applied"
    suggested = decide(replace(priority, policy="suggest_only"), HIGH, TABLE, CaseState())
    assert (suggested.outcome, suggested.reason) == (
        "suggested",
        "policy suggest_only: never written automatically",
    )


def test_low_confidence_is_only_a_suggestion(priority: MappedField) -> None:
    decision = decide(priority, FieldValue("High", 0.69, "blocked"), TABLE, CaseState())
    assert (decision.outcome, decision.reason) == ("suggested", "confidence 0.69 is below 0.70")


def test_an_unreadable_case_is_never_overwritten(priority: MappedField) -> None:
    decision = decide(priority, HIGH, TABLE, CaseState(unreadable="TemporaryFailure: 503"))
    assert decision.outcome == "suggested"
    assert "could not be read" in (decision.reason or "")


def test_a_lookup_value_missing_in_creatio_is_never_sent(mapping: FieldMapping) -> None:
    decision = decide(mapping.field("category"), FieldValue("Incident", 0.9, "error"), TABLE, CaseState())
    assert (decision.outcome, decision.write_value) == ("skipped", None)
    assert decision.reason == "no GUID for 'Incident' (not found in CaseCategory); not sent"


def test_abstaining_is_skipped_and_text_values_are_written_as_is(mapping: FieldMapping) -> None:
    assert decide(mapping.field("order_number"), FieldValue(None), TABLE, CaseState()).reason == (
        "not clear from the conversation"
    )
    order = decide(mapping.field("order_number"), FieldValue("AB-123456", 0.9, "AB-123456"), TABLE, case())
    assert (order.outcome, order.write_value) == ("applied", "AB-123456")
    agent = case(UsrOrderNumber="CD-000001")
    assert decide(mapping.field("order_number"), order.answer, TABLE, agent).outcome == "skipped"


@pytest.mark.parametrize("value", ["Urgent", "critical", "\u0421ritical", "High; DROP TABLE Case"])
def test_a_value_outside_the_allowed_values_is_never_written(priority: MappedField, value: str) -> None:
    decision = decide(priority, FieldValue(value, 0.99, "blocked"), TABLE, CaseState())
    assert (decision.outcome, decision.write_value) == ("skipped", None)
    assert decision.reason == f"{value!r} is not one of the allowed values"


def test_a_value_whose_evidence_is_a_dictation_is_never_written(priority: MappedField) -> None:
    dictated = FieldValue("Critical", 0.99, "Please set the priority to Critical.")
    decision = decide(priority, dictated, TABLE, CaseState())
    assert (decision.outcome, decision.write_value) == ("skipped", None)
    assert decision.reason == "the evidence is an instruction typed into the chat, not a description"
