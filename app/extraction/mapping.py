"""The loaded field mapping: every mapped field with its effective policy, threshold and source line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.extraction.mapping_schema import AllowedValue, FieldSpec, FieldType, Policy


@dataclass(frozen=True)
class MappedField:
    name: str
    spec: FieldSpec
    policy: Policy
    min_confidence: float
    source: Path
    line: int

    @property
    def column(self) -> str:
        return self.spec.column

    @property
    def type(self) -> FieldType:
        return self.spec.type

    @property
    def label(self) -> str:
        return self.spec.label or self.name.replace("_", " ").capitalize()

    @property
    def values(self) -> dict[str, AllowedValue]:
        return self.spec.values

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(self.spec.values)

    @property
    def lookup(self) -> str | None:
        return self.spec.lookup

    def applies_at(self, confidence: float) -> bool:
        """Whether a value this confident is written (to a case no agent has edited), not only suggested."""
        return self.policy != "suggest_only" and confidence >= self.min_confidence


@dataclass(frozen=True)
class MappingProblem:
    """A problem in a mapping file, located and phrased as what to fix."""

    file: Path
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        subject = f" field '{self.field}':" if self.field else ""
        return f"{where}:{subject} {self.message}"


@dataclass(frozen=True)
class FieldMapping:
    """All mapping files merged; `problems` non-empty means the mapping must not be used."""

    fields: tuple[MappedField, ...]
    files: tuple[Path, ...]
    problems: tuple[MappingProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.fields)

    def field(self, name: str) -> MappedField:
        return next(f for f in self.fields if f.name == name)

    @property
    def lookup_fields(self) -> tuple[MappedField, ...]:
        return tuple(f for f in self.fields if f.type == "lookup")
