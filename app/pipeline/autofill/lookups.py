"""Lookup values of the mapping resolved by Name to GUIDs, cached with a TTL and refreshed on demand."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from app.extraction.mapping import FieldMapping

logger = logging.getLogger(__name__)
FAILURE_RETRY_SECONDS = 30.0
CASE = "Case"


class LookupPort(Protocol):
    """What the auto-fill must know of the CRM before writing: lookup GUIDs and which columns exist."""

    async def ids_by_name(self, entity_set: str, names: Sequence[str]) -> Mapping[str, Sequence[UUID]]:
        """Every record of the lookup whose Name is one of `names`, per name."""
        ...

    async def missing_columns(self, entity_set: str, columns: Sequence[str]) -> Sequence[str]:
        """The columns the entity does not have (a mapping typo would make every case write fail)."""
        ...


@dataclass(frozen=True)
class Resolution:
    entity_set: str
    name: str
    id: UUID | None
    problem: str | None = None  # why there is no GUID: not found, ambiguous, Creatio unreachable

    @property
    def text(self) -> str:
        return str(self.id) if self.id else (self.problem or "unresolved")


@dataclass(frozen=True)
class LookupTable:
    resolutions: Mapping[tuple[str, str], Resolution] = field(default_factory=dict)
    checked_at: datetime | None = None
    missing_columns: frozenset[str] = frozenset()  # Case columns of the mapping that Creatio lacks

    def get(self, entity_set: str, name: str) -> Resolution:
        found = self.resolutions.get((entity_set, name.casefold()))
        return found or Resolution(entity_set, name, None, f"not looked up in {entity_set} yet")

    def name_of(self, entity_set: str, value: object) -> str | None:
        text = str(value).lower()
        return next(
            (r.name for (s, _), r in self.resolutions.items() if s == entity_set and str(r.id) == text), None
        )


def wanted_names(mapping: FieldMapping) -> dict[str, list[str]]:
    """Per lookup entity set, every value name the mapping uses (allowed values and Creatio defaults)."""
    wanted: dict[str, list[str]] = {}
    for f in mapping.lookup_fields:
        assert f.lookup is not None
        names = wanted.setdefault(f.lookup, [])
        for name in (*f.value_names, *([f.spec.creatio_default] if f.spec.creatio_default else [])):
            if name not in names:
                names.append(name)
    return wanted


class LookupCache:
    def __init__(
        self,
        port: Callable[[], LookupPort | None],
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = port
        self._ttl = ttl_seconds
        self._clock = clock
        self._table = LookupTable()
        self._source: LookupPort | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def table(self, mapping: FieldMapping) -> LookupTable:
        """The cached table, refreshed when it expired or the Creatio connection changed."""
        if self._fresh():
            return self._table
        async with self._lock:
            if self._fresh():  # another job refreshed it while this one waited for the lock
                return self._table
            return await self._refresh_locked(mapping)

    def _fresh(self) -> bool:
        return self._clock() < self._expires and self._port() is self._source

    @property
    def current(self) -> LookupTable:
        """The last table resolved (possibly stale); empty before the first lookup."""
        return self._table

    def invalidate(self) -> None:
        self._expires = 0.0

    async def refresh(self, mapping: FieldMapping) -> LookupTable:
        """Resolve again now (e.g. after Test & Save), whatever the cache holds."""
        async with self._lock:
            return await self._refresh_locked(mapping)

    async def _refresh_locked(self, mapping: FieldMapping) -> LookupTable:
        port = self._port()
        table, failed = await _resolve(port, wanted_names(mapping))
        missing = await _missing(port, [f.column for f in mapping.fields])
        table = replace(table, missing_columns=frozenset(missing or ()))
        failed = failed or missing is None
        self._table, self._source = table, port
        self._expires = self._clock() + (FAILURE_RETRY_SECONDS if failed else self._ttl)
        return table


async def _resolve(port: LookupPort | None, wanted: Mapping[str, list[str]]) -> tuple[LookupTable, bool]:
    resolutions: dict[tuple[str, str], Resolution] = {}
    failed = False
    for entity_set, names in wanted.items():
        try:
            if port is None:
                raise LookupError("Creatio is not connected yet (Test & Save a connection)")
            found = await port.ids_by_name(entity_set, names)
        except Exception as exc:  # reported per value; the auto-fill then skips these fields
            failed = True
            reason = (
                str(exc) if isinstance(exc, LookupError) else f"could not read {entity_set}: {_short(exc)}"
            )
            logger.warning("lookup values not resolved", extra={"lookup": entity_set, "reason": reason})
            resolutions |= {
                (entity_set, n.casefold()): Resolution(entity_set, n, None, reason) for n in names
            }
            continue
        for name in names:
            resolutions[(entity_set, name.casefold())] = _one(entity_set, name, found.get(name, ()))
    return LookupTable(resolutions, datetime.now(UTC)), failed


async def _missing(port: LookupPort | None, columns: list[str]) -> Sequence[str] | None:
    """The mapping's Case columns Creatio lacks; None when that could not be checked."""
    if port is None:
        return None
    try:
        missing = await port.missing_columns(CASE, columns)
    except Exception as exc:
        logger.warning("case columns not checked", extra={"reason": _short(exc)})
        return None
    if missing:
        logger.error("mapped columns missing in Creatio: never written", extra={"columns": list(missing)})
    return missing


def _one(entity_set: str, name: str, ids: Sequence[UUID]) -> Resolution:
    if not ids:
        return Resolution(entity_set, name, None, f"not found in {entity_set}")
    if len(ids) > 1:
        return Resolution(entity_set, name, None, f"{len(ids)} records named {name!r} in {entity_set}")
    return Resolution(entity_set, name, ids[0])


def _short(exc: Exception) -> str:
    text = str(exc).split(". ")[0]
    return text if len(text) <= 120 else text[:119] + "…"
