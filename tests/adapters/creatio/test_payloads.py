"""The PATCH body of case changes: only the columns a change sets."""

from uuid import UUID

from app.adapters.creatio.payloads import SUBJECT_LIMIT, case_changes_body
from app.domain.case import CaseChanges

OWNER = UUID("5a1e0000-0000-4000-8000-000000000001")


def test_subject_and_symptoms_are_sent_only_when_set() -> None:
    assert case_changes_body(CaseChanges(owner_id=OWNER)) == {"OwnerId": str(OWNER)}
    assert case_changes_body(CaseChanges(subject="Printer on fire")) == {"Subject": "Printer on fire"}
    assert case_changes_body(CaseChanges(symptoms="")) == {"Symptoms": ""}  # empty is a value
    assert case_changes_body(CaseChanges(subject="x" * 300))["Subject"] == "x" * SUBJECT_LIMIT


def test_changes_of_subject_or_symptoms_alone_are_not_empty() -> None:
    assert CaseChanges().is_empty()
    assert not CaseChanges(subject="Printer on fire").is_empty()
    assert not CaseChanges(symptoms="").is_empty()
