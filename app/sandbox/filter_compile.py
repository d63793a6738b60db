"""Type-checks a `$filter` tree against an entity (with Creatio's quirks); compiles it to a predicate."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.domain.creatio_ids import ZERO_GUID
from app.sandbox.errors import incompatible_types, query_error, server_error, unknown_property
from app.sandbox.filter_ast import COMPARISONS, Call, Compare, Literal, Logical, Node, Not, Path
from app.sandbox.schema import ENTITY_SETS, Column, EntityDef
from app.sandbox.tables import Row, Tables
from app.sandbox.values import NUMERIC, Edm, is_null, parse_datetime, parse_guid

Getter = Callable[[Row], Any]
Predicate = Callable[[Row], bool]
_ORDERING: Mapping[str, Callable[[Any, Any], bool]] = MappingProxyType(
    {
        "gt": operator.gt,
        "ge": operator.ge,
        "lt": operator.lt,
        "le": operator.le,
    }
)
_STRING_FUNCS: Mapping[str, tuple[int, Edm, Callable[..., Any]]] = MappingProxyType(
    {
        "contains": (2, Edm.BOOLEAN, lambda a, b: b in a),
        "startswith": (2, Edm.BOOLEAN, lambda a, b: a.startswith(b)),
        "endswith": (2, Edm.BOOLEAN, lambda a, b: a.endswith(b)),
        "tolower": (1, Edm.STRING, str.lower),
        "toupper": (1, Edm.STRING, str.upper),
        "trim": (1, Edm.STRING, str.strip),
        "length": (1, Edm.INT32, len),
    }
)


@dataclass(frozen=True)
class _Typed:
    edm: Edm | None  # None: the null literal
    get: Getter
    literal: Literal | None = None


class FilterCompiler:
    """Compiles filter trees for one entity set; navigation paths read related rows from `tables`."""

    def __init__(self, entity: EntityDef, tables: Tables, *, strict: bool) -> None:
        self._entity = entity
        self._tables = tables
        self._strict = strict

    def compile(self, node: Node) -> Predicate:
        typed = self._expr(node)
        if typed.edm is not Edm.BOOLEAN:
            raise query_error("The $filter expression must evaluate to a single boolean value.")
        get = typed.get
        return lambda row: get(row) is True

    def _expr(self, node: Node) -> _Typed:
        if isinstance(node, Literal):
            value = node.value
            return _Typed(node.edm, lambda _row: value, node)
        if isinstance(node, Path):
            return self._path(node)
        if isinstance(node, Compare):
            return self._compare(node)
        if isinstance(node, Logical):
            return self._logical(node)
        if isinstance(node, Not):
            return self._not(node)
        return self._call(node)

    def path_getter(self, path: Path) -> tuple[Edm, Getter]:
        """The type and value reader of a (navigation) path; raises for unknown properties."""
        typed = self._path(path, allow_fk=True)
        assert typed.edm is not None
        return typed.edm, typed.get

    def _path(self, path: Path, *, allow_fk: bool = False) -> _Typed:
        entity, hops = self._entity, list[tuple[Column, str]]()
        for segment in path.segments[:-1]:
            nav = entity.by_nav.get(segment)
            if nav is None or nav.target is None:
                raise unknown_property(entity, segment)
            hops.append((nav, nav.target))
            entity = ENTITY_SETS[nav.target]
        column = entity.by_name.get(path.segments[-1])
        if column is None:
            raise unknown_property(entity, path.segments[-1])
        if column.target and self._strict and not allow_fk:
            raise server_error(f'Column by path "{path}" not found in schema "{self._entity.name}".')
        return _Typed(column.edm, self._reader(hops, column.name))

    def _reader(self, hops: list[tuple[Column, str]], name: str) -> Getter:
        tables = self._tables
        if len(hops) == 1 and name == "Id":  # X/Id is the foreign key itself
            fk = hops[0][0].name
            return lambda row: None if row[fk] == ZERO_GUID else row[fk]

        def read(row: Row) -> Any:
            current: Row | None = row
            for column, target in hops:
                fk = current[column.name] if current is not None else ZERO_GUID
                current = tables.get(target, fk) if fk != ZERO_GUID else None
            if current is None:
                return None
            value = current[name]
            return None if is_null(value) else value

        return read

    def _compare(self, node: Compare) -> _Typed:
        left, right = self._expr(node.left), self._expr(node.right)
        if not _compatible(left, right):
            left, right = self._coerce(left, right), self._coerce(right, left)
            if not _compatible(left, right):
                raise incompatible_types(_name(left), _name(right), COMPARISONS[node.op])
        lget, rget = left.get, right.get
        if node.op in ("eq", "ne"):
            negate = node.op == "ne"
            return _Typed(Edm.BOOLEAN, lambda row: (lget(row) == rget(row)) != negate)
        compare = _ORDERING[node.op]

        def ordered(row: Row) -> bool:
            a, b = lget(row), rget(row)
            return a is not None and b is not None and compare(a, b)

        return _Typed(Edm.BOOLEAN, ordered)

    def _coerce(self, side: _Typed, other: _Typed) -> _Typed:
        """Without strict quirks, a quoted GUID or date literal is read as that type."""
        literal = side.literal
        if self._strict or literal is None or side.edm is not Edm.STRING:
            return side
        if other.edm not in (Edm.GUID, Edm.DATETIME):
            return side
        text = str(literal.value)
        value = parse_guid(text) if other.edm is Edm.GUID else parse_datetime(text)
        return side if value is None else _Typed(other.edm, lambda _row: value)

    def _logical(self, node: Logical) -> _Typed:
        left, right = self._expr(node.left), self._expr(node.right)
        if left.edm is not Edm.BOOLEAN or right.edm is not Edm.BOOLEAN:
            raise incompatible_types(_name(left), _name(right), node.op.title())
        lget, rget = left.get, right.get
        if node.op == "and":
            return _Typed(Edm.BOOLEAN, lambda row: lget(row) is True and rget(row) is True)
        return _Typed(Edm.BOOLEAN, lambda row: lget(row) is True or rget(row) is True)

    def _not(self, node: Not) -> _Typed:
        operand = self._expr(node.operand)
        if operand.edm is not Edm.BOOLEAN:
            raise query_error(f"The operand for a unary operator 'Not' is not compatible: {_name(operand)}.")
        get = operand.get
        return _Typed(Edm.BOOLEAN, lambda row: get(row) is False)

    def _call(self, node: Call) -> _Typed:
        spec = _STRING_FUNCS.get(node.name)
        if spec is None:
            raise query_error(f"An unknown function with name '{node.name}' was found.")
        arity, result, func = spec
        args = [self._expr(arg) for arg in node.args]
        if len(args) != arity or any(a.edm not in (Edm.STRING, None) for a in args):
            params = ", ".join(["Edm.String Nullable=true"] * arity)
            raise query_error(
                f"No function signature for the function with name '{node.name}' matches the specified "
                f"arguments. The function signatures considered are: {node.name}({params})."
            )
        getters = [a.get for a in args]

        def call(row: Row) -> Any:
            values = [g(row) for g in getters]
            return None if any(v is None for v in values) else func(*values)

        return _Typed(result, call)


def _name(typed: _Typed) -> str:
    return typed.edm.value if typed.edm else "null"


def _compatible(a: _Typed, b: _Typed) -> bool:
    if a.edm is None or b.edm is None or a.edm == b.edm:
        return True
    return a.edm in NUMERIC and b.edm in NUMERIC
