"""The pydantic schema of a `field_mappings/*.yaml` file (version 1)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

FieldType = Literal["text", "number", "boolean", "date", "choice", "lookup"]
Policy = Literal["until_human_edit", "always", "suggest_only"]
FIELD_NAME = r"^[a-z][a-z0-9_]{0,39}$"
IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_]{0,127}$"
VALUE_TYPES: frozenset[str] = frozenset({"choice", "lookup", "boolean"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AllowedValue(_Strict):
    """One allowed value: what it means, and words/regexes the offline extractor scores it by."""

    description: str = ""
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            _compile(pattern)
        return patterns


class Defaults(_Strict):
    min_confidence: float = Field(default=0.7, ge=0, le=1)
    policy: Policy = "until_human_edit"


class FieldSpec(_Strict):
    """One Creatio column filled from the conversation."""

    column: str = Field(pattern=IDENTIFIER)
    type: FieldType
    description: str = Field(min_length=1)
    label: str | None = None
    lookup: str | None = Field(default=None, pattern=IDENTIFIER)
    values: dict[str, AllowedValue] = Field(default_factory=dict)
    pattern: str | None = None
    max_length: int | None = Field(default=None, ge=1)
    min: float | None = None
    max: float | None = None
    policy: Policy | None = None
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    creatio_default: str | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _short_values(cls, values: Any) -> Any:
        """`Name: description` is short for `Name: {description: ...}`; keys are always strings."""
        if not isinstance(values, dict):
            return values
        return {str(k).lower() if isinstance(k, bool) else str(k): _value(v) for k, v in values.items()}

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            _compile(pattern)
        return pattern

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        problems = _type_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class MappingFile(_Strict):
    version: Literal[1]
    defaults: Defaults = Field(default_factory=Defaults)
    fields: dict[Annotated[str, StringConstraints(pattern=FIELD_NAME)], FieldSpec] = Field(min_length=1)


def _value(raw: Any) -> Any:
    if raw is None:
        return {}
    return {"description": raw} if isinstance(raw, str) else raw


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None


def _type_problems(spec: FieldSpec) -> list[str]:
    """What does not fit the field's type, each phrased as what to change."""
    problems: list[str] = []
    kind = spec.type
    if kind in ("choice", "lookup") and not spec.values:
        problems.append(f"a {kind} field needs `values:` listing the allowed values")
    if kind == "lookup" and not spec.lookup:
        problems.append("a lookup field needs `lookup:` naming the Creatio lookup, e.g. CasePriority")
    if kind != "lookup" and spec.lookup:
        problems.append("`lookup:` is only for type lookup; remove it or set `type: lookup`")
    if kind == "boolean" and set(spec.values) - {"true", "false"}:
        problems.append("boolean values may only be `true` and `false`")
    if kind not in VALUE_TYPES and spec.values:
        problems.append(f"`values:` is not used by a {kind} field; remove it or use type choice")
    if spec.pattern is not None and kind not in ("text", "number"):
        problems.append("`pattern:` applies to text and number fields only")
    if spec.max_length is not None and kind != "text":
        problems.append("`max_length:` applies to text fields only")
    if (spec.min is not None or spec.max is not None) and kind != "number":
        problems.append("`min:`/`max:` apply to number fields only")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        problems.append(f"`min:` ({spec.min}) is greater than `max:` ({spec.max})")
    if spec.creatio_default is not None and spec.values and spec.creatio_default not in spec.values:
        problems.append(f"`creatio_default:` {spec.creatio_default!r} is not one of `values:`")
    return problems
