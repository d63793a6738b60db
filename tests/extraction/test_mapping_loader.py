"""Mapping files: the shipped one loads; every kind of mistake is reported with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extraction.mapping import FieldMapping
from app.extraction.mapping_loader import load_mapping

GOOD_FIELD = """\
  priority:
    column: PriorityId
    type: lookup
    lookup: CasePriority
    description: How urgent.
    values:
      High: Blocked.
      Low:
        description: A question.
        keywords: [question]
"""


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


def problems_of(tmp_path: Path, text: str) -> list[str]:
    write(tmp_path, text)
    mapping = load_mapping(tmp_path)
    assert not mapping.ok
    return [str(p) for p in mapping.problems]


def test_the_shipped_mapping_loads_with_defaults_applied(mapping: FieldMapping) -> None:
    assert [f.name for f in mapping.fields] == ["priority", "category", "order_number", "product"]
    priority, category, order, product = mapping.fields
    assert (priority.column, priority.lookup, priority.policy, priority.min_confidence) == (
        "PriorityId",
        "CasePriority",
        "until_human_edit",
        0.7,
    )
    assert priority.value_names == ("Critical", "High", "Medium", "Low")
    assert priority.spec.creatio_default == "Medium"
    assert (category.column, category.lookup) == ("CategoryId", "CaseCategory")
    assert (order.column, order.spec.pattern, order.min_confidence) == (
        "UsrOrderNumber",
        r"^[A-Z]{2}-\d{6}$",
        0.8,
    )
    assert (product.type, product.column) == ("choice", "UsrProduct")
    assert priority.line == 10
    assert priority.source.name == "default.yaml"


def test_short_values_and_own_policy(tmp_path: Path) -> None:
    write(tmp_path, f"version: 1\ndefaults: {{policy: always}}\nfields:\n{GOOD_FIELD}")
    [field] = load_mapping(tmp_path).fields
    assert field.values["High"].description == "Blocked."
    assert field.values["Low"].keywords == ("question",)
    assert field.policy == "always"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"version: 1\nfields:\n{GOOD_FIELD}    polcy: always\n",
            "m.yaml:13: field 'priority': polcy: unknown key; remove it or fix its spelling",
        ),
        (
            f"version: 1\nfields:\n{GOOD_FIELD}    policy: sometimes\n",
            "m.yaml:13: field 'priority': policy: Input should be 'until_human_edit', 'always' or "
            "'suggest_only'",
        ),
        (
            "version: 1\nfields:\n  priority:\n    column: PriorityId\n    type: lookup\n"
            "    description: x\n    values: {High: h}\n",
            "m.yaml:3: field 'priority': a lookup field needs `lookup:` naming the Creatio lookup",
        ),
        (
            "version: 1\nfields:\n  order:\n    column: UsrOrder\n    type: text\n"
            "    description: x\n    pattern: '[A-Z'\n",
            "m.yaml:7: field 'order': pattern: pattern '[A-Z' is not a valid regular expression",
        ),
        (
            "version: 1\nfields:\n  order:\n    type: text\n    description: x\n",
            "m.yaml:3: field 'order': column: is required; add `column:`",
        ),
        (
            "version: 1\nfields:\n  n:\n    column: UsrN\n    type: number\n    description: x\n"
            "    min: 5\n    max: 1\n",
            "m.yaml:3: field 'n': `min:` (5.0) is greater than `max:` (1.0)",
        ),
        (
            "version: 1\nfields:\n  x:\n    column: Usr X\n    type: text\n    description: x\n",
            "m.yaml:4: field 'x': column: 'Usr X' is not a Creatio column/entity name",
        ),
        ("fields:\n" + GOOD_FIELD, "m.yaml:1: version: is required; add `version:`"),
        ("version: 2\nfields:\n" + GOOD_FIELD, "m.yaml:1: version: must be 1; add `version: 1` at the top"),
        (
            "version: 1\nfields:\n  Priority:\n    column: PriorityId\n    type: text\n    description: x\n",
            "m.yaml:3: field 'Priority': field names are lower-case letters, digits and '_'",
        ),
        (
            "version: 1\nfields:\n  a:\n    column: A\n  a:\n    column: B\n",
            "m.yaml:5: key 'a' appears twice (lines 3 and 5); keep one of them",
        ),
        ("version: 1\nfields:\n  a: {column: [\n", "m.yaml:4: not valid YAML:"),
        ("- just\n- a list\n", "m.yaml:1: it must be a mapping with `version: 1` and `fields:`"),
    ],
)
def test_problems_name_file_line_field_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    found = problems_of(tmp_path, text)
    assert any(expected in p for p in found), found
    assert all(p.startswith(str(tmp_path / "m.yaml")) for p in found)


def test_a_column_mapped_twice_across_files_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, f"version: 1\nfields:\n{GOOD_FIELD}", "a.yaml")
    write(tmp_path, f"version: 1\nfields:\n{GOOD_FIELD.replace('priority:', 'urgency:')}", "b.yaml")
    [problem] = load_mapping(tmp_path).problems
    assert str(problem) == (
        f"{tmp_path / 'b.yaml'}:3: field 'urgency': column PriorityId is also mapped at "
        f"{tmp_path / 'a.yaml'}:3; map it only once"
    )


def test_no_files_means_no_mapping_and_other_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "# notes", "README.md")
    mapping = load_mapping(tmp_path)
    assert (mapping.files, mapping.fields, mapping.ok) == ((), (), False)
    assert load_mapping(tmp_path / "missing").files == ()
