"""In-memory rows per entity set, with an undo journal for atomic $batch groups and number sequences."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from app.sandbox.schema import ENTITY_SETS

Row = dict[str, Any]
UndoEntry = tuple[str, UUID, Row | None]  # entity set, id, row before the change (None: did not exist)


class DuplicateKeyError(Exception):
    """An insert used an Id that already exists."""


class Tables:
    """Rows keyed by entity set and Id; rows are plain dicts of typed values (UUID, datetime, ...)."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[UUID, Row]] = {name: {} for name in ENTITY_SETS}
        self._sequences: dict[str, int] = {}
        self._journal: list[UndoEntry] | None = None

    def rows(self, entity_set: str) -> list[Row]:
        """All rows of a set in insertion order (a new list; the rows themselves are live)."""
        return list(self._rows[entity_set].values())

    def count(self, entity_set: str) -> int:
        return len(self._rows[entity_set])

    def get(self, entity_set: str, row_id: UUID) -> Row | None:
        return self._rows[entity_set].get(row_id)

    def insert(self, entity_set: str, row: Row) -> None:
        """Add a row; DuplicateKeyError if its Id exists."""
        table = self._rows[entity_set]
        row_id: UUID = row["Id"]
        if row_id in table:
            raise DuplicateKeyError(str(row_id))
        self._record(entity_set, row_id, None)
        table[row_id] = row

    def update(self, entity_set: str, row_id: UUID, changes: Row) -> Row:
        """Apply changes to an existing row and return it."""
        row = self._rows[entity_set][row_id]
        self._record(entity_set, row_id, dict(row))
        row.update(changes)
        return row

    def delete(self, entity_set: str, row_id: UUID) -> None:
        row = self._rows[entity_set].pop(row_id)
        self._record(entity_set, row_id, row)

    def next_number(self, name: str) -> int:
        """The next value of a named sequence, starting at 1 (never rolled back, like a DB sequence)."""
        self._sequences[name] = self._sequences.get(name, 0) + 1
        return self._sequences[name]

    def clear(self) -> None:
        for table in self._rows.values():
            table.clear()
        self._sequences.clear()

    @contextmanager
    def journal(self) -> Iterator[list[UndoEntry]]:
        """Record every change made inside the block, so `rollback` can undo them."""
        outer, self._journal = self._journal, []
        try:
            yield self._journal
        finally:
            if outer is not None:
                outer.extend(self._journal)
            self._journal = outer

    def rollback(self, entries: list[UndoEntry]) -> None:
        """Undo journaled changes, newest first."""
        for entity_set, row_id, before in reversed(entries):
            table = self._rows[entity_set]
            if before is None:
                table.pop(row_id, None)
            else:
                table[row_id] = before

    def _record(self, entity_set: str, row_id: UUID, before: Row | None) -> None:
        if self._journal is not None:
            self._journal.append((entity_set, row_id, before))
