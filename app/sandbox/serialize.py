"""Rows to OData JSON objects, in column order, optionally limited to `$select`ed columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.sandbox.schema import EntityDef
from app.sandbox.tables import Row
from app.sandbox.values import to_json


def row_to_json(entity: EntityDef, row: Row, select: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON object of a row; `select` keeps only those columns (in the entity's column order)."""
    wanted = None if select is None else set(select)
    return {
        column.name: to_json(column.edm, row[column.name])
        for column in entity.columns
        if wanted is None or column.name in wanted
    }
