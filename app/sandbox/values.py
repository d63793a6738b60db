"""Edm value types: empty values, JSON (de)serialisation and literal parsing as Creatio does them, and the
checks Microsoft.OData.Core 7.10 (the OData library Creatio runs) makes of a request body's values."""

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
# ODataLib reads these as JSON strings when the content type says IEEE754Compatible=true, and as JSON numbers
# otherwise; the other form is refused (Edm.Int64 too: no sandbox column has that type).
IEEE754_STRINGS = frozenset({Edm.DECIMAL})
_DECIMAL_TEXT = re.compile(r"\s*[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)\s*")  # .NET NumberStyles.Number
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")  # .NET NumberStyles.Integer
INT32_RANGE = range(-(2**31), 2**31)
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
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):  # IEEE754Compatible=true: a string
        return float(value.replace(",", ""))
    raise ValueError(f"Cannot convert the literal '{value}' to the expected type 'Edm.Decimal'.")


class PayloadValueError(ValueError):
    """A request-body value ODataLib refuses: `message` is its exception's, `inner` the inner exception's."""

    def __init__(self, message: str, inner: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.inner = inner


def from_payload(edm: Edm, value: Any, *, ieee754: bool) -> Any:
    """The stored form of a request-body value, refused as Microsoft.OData.Core 7.10 refuses it:
    a Decimal in the other form than `IEEE754Compatible` asks for (ODataJsonLightPropertyAndValueDeserializer
    .ReadPrimitiveValue), a DateTimeOffset without a time zone (PlatformHelper.ConvertStringToDateTimeOffset),
    text that .NET does not parse as the column's number type (Convert.ChangeType)."""
    if edm in IEEE754_STRINGS and value is not None and isinstance(value, str) != ieee754:
        raise PayloadValueError(
            f"Cannot convert a value to target type '{edm.value}' because of conflict between input format "
            "string/number and parameter 'IEEE754Compatible' false/true."
        )
    if isinstance(value, str) and not _parses_as(edm, value):
        raise PayloadValueError(f"Cannot convert the literal '{value}' to the expected type '{edm.value}'.")
    if edm is Edm.DATETIME and isinstance(value, str) and not has_time_zone(value):
        raise PayloadValueError(
            f"Cannot convert the literal '{value}' to the expected type '{edm.value}'.",
            f"The time zone information is missing on the DateTimeOffset value '{value}'. "
            "A DateTimeOffset value must contain the time zone information.",
        )
    if edm is Edm.INT32 and isinstance(value, str):
        value = int(value)
    try:
        return from_json(edm, value)
    except ValueError as exc:
        raise PayloadValueError(str(exc)) from None


def has_time_zone(text: str) -> bool:
    """ODataLib's test: a trailing Z, or a sign six characters from the end (`+hh:mm`; a bare date passes
    too, its last `-` sitting there), after padding missing seconds."""
    padded = _with_seconds(text)
    return padded[-1:] in ("Z", "z") or (len(padded) > 6 and padded[-6] in "+-")


def _with_seconds(text: str) -> str:
    """PlatformHelper.AddSecondsPaddingIfMissing: `2024-01-01T10:00` becomes `2024-01-01T10:00:00`."""
    t = text.find("T")
    colon = t + 6
    if t > 0 and (len(text) == colon or (len(text) > colon and text[colon] != ":")):
        return text[:colon] + ":00" + text[colon:]
    return text


def _parses_as(edm: Edm, text: str) -> bool:
    if edm is Edm.DECIMAL:
        return _DECIMAL_TEXT.fullmatch(text) is not None
    if edm is Edm.INT32:
        return _INTEGER_TEXT.fullmatch(text) is not None and int(text) in INT32_RANGE
    if edm is Edm.DATETIME:
        return parse_datetime(text) is not None
    return True
