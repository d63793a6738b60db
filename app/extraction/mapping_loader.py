"""Loads `field_mappings/*.yaml`: validates each file and reports problems by file, line and field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.extraction.mapping import FieldMapping, MappedField, MappingProblem
from app.extraction.mapping_schema import MappingFile
from app.extraction.yaml_marks import MarkedDocument, YamlProblem, parse

SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 1_000_000


def mapping_files(directory: Path) -> list[Path]:
    """The mapping files of a directory, sorted by name (README and other files are ignored)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def load_mapping(directory: Path) -> FieldMapping:
    return load_files(mapping_files(directory))


def load_files(paths: Sequence[Path]) -> FieldMapping:
    fields: list[MappedField] = []
    problems: list[MappingProblem] = []
    for path in paths:
        loaded, found = _load_file(path)
        fields += loaded
        problems += found
    problems += _duplicates(fields)
    return FieldMapping(tuple(fields), tuple(paths), tuple(problems))


def _load_file(path: Path) -> tuple[list[MappedField], list[MappingProblem]]:
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            return [], [MappingProblem(path, None, None, "is larger than 1 MB; split it or trim it")]
        document = parse(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [], [MappingProblem(path, None, None, f"cannot be read: {exc}")]
    except YamlProblem as exc:
        return [], [MappingProblem(path, exc.line, None, str(exc))]
    if not isinstance(document.data, dict):
        hint = "it must be a mapping with `version: 1` and `fields:`"
        return [], [MappingProblem(path, document.line_of(()), None, hint)]
    try:
        parsed = MappingFile.model_validate(document.data)
    except ValidationError as exc:
        found = [_problem(path, document, error) for error in exc.errors()]
        return [], sorted(found, key=lambda p: p.line or 0)
    return [_mapped(path, document, name, parsed) for name in parsed.fields], []


def _mapped(path: Path, document: MarkedDocument, name: str, parsed: MappingFile) -> MappedField:
    spec = parsed.fields[name]
    return MappedField(
        name=name,
        spec=spec,
        policy=spec.policy or parsed.defaults.policy,
        min_confidence=(
            spec.min_confidence if spec.min_confidence is not None else parsed.defaults.min_confidence
        ),
        source=path,
        line=document.line_of(("fields", name)) or 1,
    )


def _problem(path: Path, document: MarkedDocument, error: ErrorDetails) -> MappingProblem:
    loc = tuple(str(part) for part in error["loc"])
    field = loc[1] if len(loc) > 1 and loc[0] == "fields" else None
    where = ".".join(part for part in (loc[2:] if field else loc) if part != "[key]")
    message = _explain(error, loc)
    return MappingProblem(path, document.line_of(loc), field, f"{where}: {message}" if where else message)


def _explain(error: ErrorDetails, loc: tuple[str, ...]) -> str:
    """pydantic's message, turned into what to change where it is not already."""
    kind, message = error["type"], error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "unknown key; remove it or fix its spelling (see field_mappings/README.md for the keys)"
    if kind == "missing":
        return f"is required; add `{loc[-1]}:`"
    if loc and loc[-1] == "[key]":
        return (
            "field names are lower-case letters, digits and '_', starting with a letter (e.g. order_number)"
        )
    if kind == "literal_error" and loc == ("version",):
        return "must be 1; add `version: 1` at the top"
    if kind == "string_pattern_mismatch" and loc and loc[-1] in ("column", "lookup"):
        return f"{error['input']!r} is not a Creatio column/entity name (letters, digits and '_')"
    return str(message)


def _duplicates(fields: Iterable[MappedField]) -> list[MappingProblem]:
    problems: list[MappingProblem] = []
    names: dict[str, MappedField] = {}
    columns: dict[str, MappedField] = {}
    for field in fields:
        for index, key in ((names, field.name), (columns, field.column.lower())):
            first = index.get(key)
            if first is None:
                index[key] = field
                continue
            what = "field name" if index is names else f"column {field.column}"
            message = f"{what} is also mapped at {first.source}:{first.line}; map it only once"
            problems.append(MappingProblem(field.source, field.line, field.name, message))
    return problems


def describe(problems: Sequence[MappingProblem]) -> list[str]:
    return [str(p) for p in problems]


def as_dict(problem: MappingProblem) -> dict[str, Any]:
    return {
        "file": str(problem.file),
        "line": problem.line,
        "field": problem.field,
        "message": problem.message,
        "text": str(problem),
    }
