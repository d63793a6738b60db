"""Text and dates from outside: what is refused at the door, and what is cleaned where it cannot be."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AfterValidator


def refuse_nul(value: str) -> str:
    """PostgreSQL cannot store U+0000 in text (SQLite can): refused everywhere alike, with what to fix."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000), which cannot be stored: remove it")
    return value


def storable(value: str | None) -> str | None:
    """Text from a system we cannot refuse (Creatio's records, a peer's error message) without the NUL
    characters PostgreSQL cannot store: they carry nothing a reader sees."""
    return value.replace("\x00", "") if value and "\x00" in value else value


def in_utc(value: datetime) -> datetime:
    """The same instant in UTC, which is how it is stored; a date at the edge of the calendar can fall
    outside it once converted (0001-01-01T00:00+05:00), and is refused rather than failing the store."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(
            "falls outside years 1-9999 once converted to UTC: send a date within that range"
        ) from None


NO_NUL = AfterValidator(refuse_nul)
IN_UTC = AfterValidator(in_utc)
