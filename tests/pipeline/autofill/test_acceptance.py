"""Acceptance per field and the advice it gives (thresholds in app/pipeline/autofill/acceptance.py)."""

from __future__ import annotations

import pytest

from app.extraction.mapping import FieldMapping
from app.pipeline.autofill.acceptance import MIN_REVIEWED, acceptance_report, advice
from app.ports.stores import FieldCounts


def test_every_mapped_field_is_reported_with_its_figures(mapping: FieldMapping) -> None:
    counts = [
        FieldCounts(
            "priority",
            "PriorityId",
            applied=10,
            kept=6,
            changed=2,
            suggested=4,
            suggestions_reviewed=2,
            taken_up=1,
        ),
        FieldCounts("gone", "UsrGone", applied=1, kept=1),
    ]
    report = acceptance_report(mapping, counts)
    by_field = {f.field: f for f in report.fields}
    assert [f.field for f in report.fields] == [f.name for f in mapping.fields] + ["gone"]
    priority = by_field["priority"]
    assert (priority.applied, priority.reviewed, priority.kept, priority.changed) == (10, 8, 6, 2)
    assert priority.acceptance == 0.75
    assert (priority.suggested, priority.taken_up, priority.take_up) == (4, 1, 0.5)
    assert by_field["order_number"].acceptance is None  # nothing read back yet
    assert by_field["gone"].policy is None
    assert report.thresholds["min_reviewed"] == MIN_REVIEWED


@pytest.mark.parametrize(
    ("policy", "reviewed", "acceptance", "says"),
    [
        ("until_human_edit", 19, 0.1, None),  # too few to tell
        ("until_human_edit", 20, 0.69, "make this field suggest_only"),
        ("always", 50, 0.5, "make this field suggest_only"),
        ("until_human_edit", 20, 0.7, None),
        ("until_human_edit", 20, 0.94, None),
        ("until_human_edit", 20, 0.95, "min_confidence could come down from 0.70 to 0.60"),
        ("suggest_only", 20, 0.2, None),  # nothing is applied on purpose
    ],
)
def test_advice_thresholds(policy: str, reviewed: int, acceptance: float, says: str | None) -> None:
    given = advice(policy, 0.7, reviewed, acceptance)
    assert (given is None) if says is None else (given is not None and says in given)
