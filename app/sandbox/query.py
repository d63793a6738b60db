"""OData system query options: parse `$filter/$select/$orderby/$top/$skip/$count/$expand`, apply them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.sandbox.errors import bad_request, query_error, unknown_property
from app.sandbox.filter_ast import Path
from app.sandbox.filter_compile import FilterCompiler, Getter, Predicate
from app.sandbox.filter_lexer import FilterLiteralError, FilterSyntaxError
from app.sandbox.filter_parser import parse_filter
from app.sandbox.schema import ENTITY_SETS, Column, EntityDef
from app.sandbox.serialize import row_to_json
from app.sandbox.tables import Row, Tables

_KNOWN = frozenset({"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand", "$format"})
_ORDER_ITEM = re.compile(r"^([A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)(?:\s+(asc|desc))?$")
_EXPAND_ITEM = re.compile(r"^([A-Za-z_]\w*)(?:\((.*)\))?$", re.DOTALL)


@dataclass(frozen=True)
class Expansion:
    column: Column
    target: EntityDef
    select: list[str] | None


@dataclass
class QueryOptions:
    """Parsed options for one entity set."""

    predicate: Predicate | None = None
    select: list[str] | None = None
    order: list[tuple[Getter, bool]] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False
    expand: list[Expansion] = field(default_factory=list)


def parse_options(
    entity: EntityDef, params: Sequence[tuple[str, str]], tables: Tables, *, strict: bool
) -> QueryOptions:
    """The options in `params` (non-`$` parameters are ignored); ODataError for invalid ones."""
    values: dict[str, str] = {}
    for key, value in params:
        if not key.startswith("$"):
            continue
        if key not in _KNOWN:
            raise query_error(f"The query parameter '{key}' is not supported.")
        if key in values:
            raise query_error(
                f"Query option '{key}' was specified more than once, but it must be specified at most once."
            )
        values[key] = value
    compiler = FilterCompiler(entity, tables, strict=strict)
    options = QueryOptions(
        select=_select(entity, values["$select"]) if "$select" in values else None,
        top=_non_negative("$top", values.get("$top")),
        skip=_non_negative("$skip", values.get("$skip")) or 0,
        count=_boolean("$count", values.get("$count", "false")),
        order=_orderby(compiler, values["$orderby"]) if "$orderby" in values else [],
        expand=_expand(entity, values["$expand"]) if "$expand" in values else [],
    )
    if "$filter" in values:
        try:
            options.predicate = compiler.compile(parse_filter(values["$filter"]))
        except (FilterSyntaxError, FilterLiteralError) as exc:
            raise query_error(str(exc)) from exc
    return options


def apply_filter_and_order(rows: list[Row], options: QueryOptions) -> list[Row]:
    """Rows matching `$filter`, sorted by `$orderby` (nulls first ascending, like SQL Server)."""
    predicate = options.predicate
    matched = [row for row in rows if predicate(row)] if predicate else rows
    for getter, descending in reversed(options.order):
        matched.sort(key=lambda row, get=getter: _sort_key(get(row)), reverse=descending)  # type: ignore[misc]
    return matched


def page(rows: list[Row], options: QueryOptions) -> list[Row]:
    end = None if options.top is None else options.skip + options.top
    return rows[options.skip : end]


def shape(entity: EntityDef, row: Row, options: QueryOptions, tables: Tables) -> dict[str, Any]:
    """The JSON object of a row with `$select` and `$expand` applied."""
    body = row_to_json(entity, row, options.select)
    for item in options.expand:
        related = tables.get(item.target.name, row[item.column.name])
        body[item.column.nav or ""] = (
            None if related is None else row_to_json(item.target, related, item.select)
        )
    return body


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, 0) if value is None else (1, value)


def _select(entity: EntityDef, text: str) -> list[str] | None:
    names = [name.strip() for name in text.split(",")]
    if names == ["*"]:
        return None
    for name in names:
        if name in entity.by_nav:
            raise bad_request(f"The property '{name}' is a navigation property; use $expand to read it.")
        if name not in entity.by_name:
            raise unknown_property(entity, name)
    return list(dict.fromkeys(names))


def _orderby(compiler: FilterCompiler, text: str) -> list[tuple[Getter, bool]]:
    order: list[tuple[Getter, bool]] = []
    for item in text.split(","):
        match = _ORDER_ITEM.match(item.strip())
        if match is None:
            raise query_error(f"Syntax error in $orderby: '{item.strip()}'.")
        _, getter = compiler.path_getter(Path(tuple(match.group(1).split("/"))))
        order.append((getter, match.group(2) == "desc"))
    return order


def _expand(entity: EntityDef, text: str) -> list[Expansion]:
    items: list[Expansion] = []
    for item in _split_top_level(text):
        match = _EXPAND_ITEM.match(item.strip())
        column = entity.by_nav.get(match.group(1)) if match else None
        if match is None or column is None or column.target is None:
            raise bad_request(
                f"Could not find a navigation property named '{item.strip()}' on '{entity.type_name}'."
            )
        target = ENTITY_SETS[column.target]
        select = None
        for option in (match.group(2) or "").split(";"):
            key, _, value = option.strip().partition("=")
            if key == "$select":
                select = _select(target, value)
            elif key:
                raise query_error(f"The nested query option '{key}' is not supported in $expand.")
        items.append(Expansion(column, target, select))
    return items


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _non_negative(name: str, text: str | None) -> int | None:
    if text is None:
        return None
    if not text.strip().isdigit():
        raise query_error(
            f"Invalid value '{text}' for {name} query option found. It must be a non-negative integer."
        )
    return int(text)


def _boolean(name: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise query_error(f"'{text}' is not a valid value for {name}; use true or false.")
    return text == "true"
