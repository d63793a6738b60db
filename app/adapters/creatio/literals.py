"""Safe OData 4 literals and name checks, so callers never build $filter text by hand."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from uuid import UUID

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ENTITY_SET = re.compile(rf"^{_NAME}$")
_PATH = re.compile(rf"^{_NAME}(/{_NAME})*$")
_ORDER_KEY = re.compile(rf"^({_NAME}(/{_NAME})*)(\s+(asc|desc))?$", re.IGNORECASE)


def odata_string(value: str) -> str:
    """A quoted string literal with embedded single quotes doubled: O'Hara -> 'O''Hara'."""
    if not isinstance(value, str):
        raise TypeError(f"odata_string expects str, got {type(value).__name__}")
    return "'" + value.replace("'", "''") + "'"


def odata_guid(value: UUID | str) -> str:
    """A bare GUID literal (OData 4; never quoted, never guid'...')."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str):
        return str(UUID(value.strip()))
    raise TypeError(f"odata_guid expects UUID or str, got {type(value).__name__}")


def odata_datetime(value: datetime) -> str:
    """An unquoted UTC DateTimeOffset literal, e.g. 2024-01-31T09:30:00Z (timezone-aware input only)."""
    if not isinstance(value, datetime):
        raise TypeError(f"odata_datetime expects datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("odata_datetime needs a timezone-aware datetime (e.g. datetime.now(UTC))")
    return format_utc(value)


def odata_bool(value: bool) -> str:
    """true or false."""
    return "true" if value else "false"


def format_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix; microseconds only when present."""
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{utc.microsecond:06d}Z" if utc.microsecond else f"{text}Z"


def ids_filter(ids: Iterable[UUID], field: str = "Id") -> str:
    """`Id eq a or Id eq b ...` for the given ids (at least one)."""
    path = check_path(field)
    clauses = [f"{path} eq {odata_guid(i)}" for i in ids]
    if not clauses:
        raise ValueError("ids_filter needs at least one id")
    return " or ".join(clauses)


def check_entity_set(name: str) -> str:
    """Return `name` if it is a plain entity set name like 'Case'; raise ValueError otherwise."""
    if not isinstance(name, str) or not _ENTITY_SET.match(name):
        raise ValueError(f"Not a valid OData entity set name: {name!r}")
    return name


def check_path(name: str) -> str:
    """Return `name` if it is a property or navigation path like 'Status/Name'; raise ValueError otherwise."""
    if not isinstance(name, str) or not _PATH.match(name):
        raise ValueError(f"Not a valid OData property path: {name!r}")
    return name


def select_clause(fields: Sequence[str]) -> str:
    """Comma-joined, validated $select list; duplicates dropped, order kept."""
    if isinstance(fields, str):
        raise TypeError("select must be a sequence of names, not a single string")
    names = [check_path(f.strip()) for f in fields]
    if not names:
        raise ValueError("select needs at least one property name")
    return ",".join(dict.fromkeys(names))


def orderby_keys(orderby: str) -> list[str]:
    """The validated keys of an $orderby like 'CreatedOn desc, Id'."""
    keys = [part.strip() for part in orderby.split(",")]
    for key in keys:
        if not _ORDER_KEY.match(key):
            raise ValueError(f"Not a valid $orderby clause: {orderby!r}")
    return [" ".join(key.split()) for key in keys]


def stable_orderby(orderby: str) -> str:
    """The $orderby with `Id` appended as a tie-breaker, so $skip paging never skips or repeats rows."""
    keys = orderby_keys(orderby)
    if not any(key.split()[0] == "Id" for key in keys):
        keys.append("Id")
    return ",".join(keys)
