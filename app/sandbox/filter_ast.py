"""Syntax tree of a parsed `$filter` expression (untyped; the compiler checks types)."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.sandbox.values import Edm

COMPARISONS = MappingProxyType(
    {
        "eq": "Equal",
        "ne": "NotEqual",
        "gt": "GreaterThan",
        "ge": "GreaterThanOrEqual",
        "lt": "LessThan",
        "le": "LessThanOrEqual",
    }
)


@dataclass(frozen=True)
class Literal:
    """A constant; `edm` is None for `null`."""

    value: Any
    edm: Edm | None


@dataclass(frozen=True)
class Path:
    """A property or navigation path such as `Subject` or `Status/Name`."""

    segments: tuple[str, ...]

    def __str__(self) -> str:
        return "/".join(self.segments)


@dataclass(frozen=True)
class Compare:
    op: str  # a key of COMPARISONS
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Path | Compare | Logical | Not | Call
