"""Edm value types: empty values, JSON (de)serialisation and literal parsing as Creatio does them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from uuid import UUID

from app.domain.creatio_ids import ZERO_GUID

MIN_DATE = datetime(1, 1, 1, tzinfo=UTC)
GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})?)?", re.IGNORECASE
)


class Edm(StrEnum):
    """The Edm primitive types the sandbox's columns use."""

    GUID = "Edm.Guid"
    STRING = "Edm.String"
    DATETIME = "Edm.DateTimeOffset"
    BOOLEAN = "Edm.Boolean"
    INT32 = "Edm.Int32"
    DECIMAL = "Edm.Decimal"


NUMERIC = frozenset({Edm.INT32, Edm.DECIMAL})
_EMPTY: Mapping[Edm, Any] = MappingProxyType(
    {
        Edm.GUID: ZERO_GUID,
        Edm.STRING: "",
        Edm.DATETIME: MIN_DATE,
        Edm.BOOLEAN: False,
        Edm.INT32: 0,
        Edm.DECIMAL: 0.0,
    }
)


def empty_value(edm: Edm) -> Any:
    """What Creatio stores for an unset column of this type."""
    return _EMPTY[edm]


def is_null(value: Any) -> bool:
    """True for values OData `null` matches: an unset lookup or date (strings are never null)."""
    return value is None or value in (ZERO_GUID, MIN_DATE)


def format_datetime(value: datetime) -> str:
    """UTC ISO 8601 with a Z suffix; the fraction only when present, trailing zeros dropped."""
    utc = value.astimezone(UTC)
    text = utc.replace(tzinfo=None, microsecond=0).isoformat()
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_datetime(text: str) -> datetime | None:
    """An aware datetime from an ISO literal (no offset means UTC); None when it is not one."""
    if not DATETIME_RE.fullmatch(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_guid(text: str) -> UUID | None:
    """A UUID from a bare 8-4-4-4-12 literal; None otherwise."""
    return UUID(text) if GUID_RE.fullmatch(text) else None


def to_json(edm: Edm, value: Any) -> Any:
    """The JSON form of a stored value."""
    if edm is Edm.GUID:
        return str(value)
    if edm is Edm.DATETIME:
        return format_datetime(value)
    return value


def from_json(edm: Edm, value: Any) -> Any:
    """The stored form of a JSON (or already typed) value; ValueError when it does not fit the type."""
    if value is None:
        return empty_value(edm)
    if edm is Edm.GUID:
        return _guid(value)
    if edm is Edm.DATETIME:
        return _datetime(value)
    if edm is Edm.STRING and isinstance(value, str):
        return value
    if edm is Edm.BOOLEAN and isinstance(value, bool):
        return value
    if edm is Edm.INT32 and isinstance(value, int) and not isinstance(value, bool):
        return value
    if edm is Edm.DECIMAL:
        return _decimal(value)
    raise ValueError(f"Cannot convert the literal '{value}' to the expected type '{edm.value}'.")


def _guid(value: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    parsed = parse_guid(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"Cannot convert the literal '{value}' to the expected type 'Edm.Guid'.")
    return parsed


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'.")
    return parsed


def _decimal(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):  # IEEE754Compatible=true sends decimals as strings
        try:
            return float(value)
        except ValueError:
            pass
    raise ValueError(f"Cannot convert the literal '{value}' to the expected type 'Edm.Decimal'.")
