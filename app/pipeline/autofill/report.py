"""The mapping report for admins: every mapped field's state, with each lookup value's GUID or problem."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from app.extraction.mapping import FieldMapping, MappedField, MappingProblem
from app.extraction.types import ExtractorInfo
from app.pipeline.autofill.lookups import LookupTable


class ValueView(BaseModel):
    name: str
    description: str
    keywords: list[str]
    lookup_id: UUID | None = None
    resolution: str | None = None  # for lookups: the GUID, or why there is none


class FieldView(BaseModel):
    name: str
    label: str
    file: str
    line: int
    column: str
    type: str
    lookup: str | None
    policy: str
    min_confidence: float
    description: str
    pattern: str | None
    max_length: int | None
    min: float | None
    max: float | None
    creatio_default: str | None
    state: Literal["ok", "warning"]
    problems: list[str]
    values: list[ValueView]


class ProblemView(BaseModel):
    file: str
    line: int | None
    field: str | None
    message: str
    text: str


class MappingReport(BaseModel):
    enabled: bool
    directory: str
    files: list[str]
    problems: list[ProblemView]
    fields: list[FieldView]
    extractor: str | None
    model: str | None
    fallback: str | None
    prompt_version: str | None
    lookups_checked_at: datetime | None


def mapping_report(
    mapping: FieldMapping,
    directory: str,
    lookups: LookupTable | None,
    extractor: ExtractorInfo | None,
    prompt_version: str | None,
) -> MappingReport:
    return MappingReport(
        enabled=mapping.ok,
        directory=directory,
        files=[str(f) for f in mapping.files],
        problems=[problem_view(p) for p in mapping.problems],
        fields=[field_view(f, lookups) for f in mapping.fields],
        extractor=extractor.kind if extractor else None,
        model=extractor.model if extractor else None,
        fallback=extractor.fallback if extractor else None,
        prompt_version=prompt_version,
        lookups_checked_at=lookups.checked_at if lookups else None,
    )


def problem_view(problem: MappingProblem) -> ProblemView:
    return ProblemView(
        file=str(problem.file),
        line=problem.line,
        field=problem.field,
        message=problem.message,
        text=str(problem),
    )


def field_view(field: MappedField, lookups: LookupTable | None) -> FieldView:
    spec = field.spec
    values = [_value_view(field, name, lookups) for name in spec.values]
    checked = field.lookup is not None and lookups is not None
    problems = [f"{v.name}: {v.resolution}" for v in values if checked and v.lookup_id is None]
    if lookups is not None and field.column in lookups.missing_columns:
        problems.insert(0, f"column {field.column} does not exist on Case in Creatio: never written")
    if field.lookup and spec.creatio_default and lookups is not None:
        default = lookups.get(field.lookup, spec.creatio_default)
        if default.id is None:
            problems.append(f"creatio_default {spec.creatio_default}: {default.text}")
    return FieldView(
        name=field.name,
        label=field.label,
        file=str(field.source),
        line=field.line,
        column=field.column,
        type=spec.type,
        lookup=field.lookup,
        policy=field.policy,
        min_confidence=field.min_confidence,
        description=spec.description,
        pattern=spec.pattern,
        max_length=spec.max_length,
        min=spec.min,
        max=spec.max,
        creatio_default=spec.creatio_default,
        state="warning" if problems else "ok",
        problems=problems,
        values=values,
    )


def _value_view(field: MappedField, name: str, lookups: LookupTable | None) -> ValueView:
    allowed = field.values[name]
    view = ValueView(name=name, description=allowed.description, keywords=list(allowed.keywords))
    if field.lookup is None:
        return view
    if lookups is None:
        return view.model_copy(update={"resolution": "not checked (no Creatio connection used)"})
    resolution = lookups.get(field.lookup, name)
    return view.model_copy(update={"lookup_id": resolution.id, "resolution": resolution.text})
