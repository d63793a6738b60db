"""Hot-path Core statements, run straight on the sqlite3 cursor in the SQLite writer thread.

SQLAlchemy's work per execution (an execution context, each parameter through its type's processors,
result metadata) costs more than the statement itself in the writer thread (profiled under the intake
benchmark: docs/performance.md, 'Intake'), and that thread shares the GIL with the one serving
requests. A `Prepared` statement is compiled once per set of parameter names, with its bind and result
processors, so running it is one processor call per value and one DBAPI call: the values stored and
read are exactly SQLAlchemy's.

Elsewhere (PostgreSQL, or SQLite through the async driver) it is plain `Connection.execute`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Outcome:
    rows: list[tuple[Any, ...]]
    rowcount: int

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the positional parameters in order
    defaults: Mapping[str, Any]  # values bound in the statement itself (e.g. `state == "queued"`)
    bind: Mapping[str, Processor]
    result: tuple[Processor, ...]


class Prepared:
    """A Core statement for `execute`/`execute_many`; parameters by bindparam or column name."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled | None] = {}

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Outcome:
        raw = _sqlite3_of(conn)
        compiled = self._compile(conn, tuple(sorted(params))) if raw is not None else None
        if raw is None or compiled is None:
            result = conn.execute(self.statement, dict(params))
            rows = [tuple(row) for row in result] if result.returns_rows else []
            return Outcome(rows, result.rowcount)
        values = _values(compiled, params)
        try:
            cursor = raw.execute(compiled.sql, values)
            rows = cursor.fetchall() if cursor.description else []
        except sqlite3.Error as exc:
            raise DBAPIError.instance(compiled.sql, values, exc, sqlite3.Error) from exc
        if rows and any(compiled.result):
            rows = [_processed(row, compiled.result) for row in rows]
        return Outcome(rows, cursor.rowcount)

    def execute_many(self, conn: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """The same statement for each set of parameters (all with the same names); no rows back."""
        if not params:
            return
        raw = _sqlite3_of(conn)
        compiled = self._compile(conn, tuple(sorted(params[0]))) if raw is not None else None
        if raw is None or compiled is None:
            conn.execute(self.statement, [dict(p) for p in params])
            return
        values = [_values(compiled, p) for p in params]
        try:
            raw.executemany(compiled.sql, values)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(compiled.sql, values, exc, sqlite3.Error, ismulti=True) from exc

    def _compile(self, conn: Connection, names: tuple[str, ...]) -> _Compiled | None:
        if names not in self._compiled:
            self._compiled[names] = _compile(self.statement, conn, names)
        return self._compiled[names]


def _compile(statement: Executable, conn: Connection, names: tuple[str, ...]) -> _Compiled | None:
    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(dialect=conn.dialect, column_keys=list(names))
    assert isinstance(compiled, SQLCompiler)
    # Python-side defaults or expanding IN lists need SQLAlchemy's execution context: use it for those.
    if compiled.insert_prefetch or compiled.update_prefetch or compiled.positiontup is None:
        return None
    if any(bind.expanding for bind in compiled.binds.values()):
        return None
    positional = tuple(compiled.positiontup)
    defaults = {name: compiled.binds[name].effective_value for name in positional if name not in names}
    processors: Mapping[str, Any] = compiled._bind_processors
    if any(not callable(p) for p in processors.values()):  # tuple-valued binds: not on these paths
        return None
    bind = {name: processors.get(name) for name in positional}
    result = tuple(
        column.type._cached_result_processor(conn.dialect, None) for column in compiled._result_columns
    )
    return _Compiled(compiled.string, positional, defaults, bind, result)


def _sqlite3_of(conn: Connection) -> sqlite3.Connection | None:
    """The stdlib sqlite3 connection under `conn`, when there is one (the writer thread's engine)."""
    dbapi = conn.connection.dbapi_connection
    return dbapi if isinstance(dbapi, sqlite3.Connection) else None


def _values(compiled: _Compiled, params: Mapping[str, Any]) -> list[Any]:
    values = []
    for name in compiled.names:
        value = params[name] if name in params else compiled.defaults[name]
        processor = compiled.bind[name]
        values.append(processor(value) if processor is not None else value)
    return values


def _processed(row: tuple[Any, ...], processors: tuple[Processor, ...]) -> tuple[Any, ...]:
    return tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))
