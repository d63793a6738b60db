"""The Creatio-to-chat read port: cases, their activities and lookups, re-read over OData (e-mail HTML
turned into plain text; names and flags cached with an expiry). Case reads also select the auto-filled
columns, so that agents' edits of them are seen without another request."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from app.adapters.creatio.client import CreatioClient
from app.adapters.creatio.crm import translated_errors
from app.adapters.creatio.odata import Entity, ids_filter, odata_datetime, odata_guid
from app.domain.creatio_ids import CaseOriginIds, EmailTypeIds, lookup_guid
from app.domain.crm_updates import ActivityChange, CaseChange, CaseState, CaseStatusInfo, CrmActivity
from app.ports.errors import PermanentFailure
from app.ports.external import CrmPort, SyncSettings

logger = logging.getLogger(__name__)
R = TypeVar("R")
MAX_REPLIES = 1000  # activities of the reply types read per case, oldest first
DEFAULT_CACHE_SECONDS = 600.0  # CASEBRIDGE_LOOKUP_CACHE_SECONDS' default
CASE_COLUMNS = ("Id", "Number", "StatusId", "ModifiedOn")
ACTIVITY_COLUMNS = (
    *("Id", "CreatedOn", "CreatedById", "SenderContactId", "MessageTypeId"),
    *("Title", "Body", "IsHtmlBody", "DetailedResult"),
)


class CreatioCaseReader:
    """Reads through one CreatioClient; statuses, contact names and type ids are cached for
    `cache_seconds` (an admin may rename a status, change its flags or rename an agent).
    `field_columns`: the auto-filled Case columns, read with every case."""

    def __init__(
        self,
        client: CreatioClient,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        field_columns: Sequence[str] = (),
    ) -> None:
        self.client = client
        self._statuses: TtlMap[UUID, CaseStatusInfo] = TtlMap(cache_seconds)
        self._names: TtlMap[UUID, str | None] = TtlMap(cache_seconds)
        self._types: TtlMap[str, UUID] = TtlMap(cache_seconds)
        self._fields = tuple(c for c in dict.fromkeys(field_columns) if c not in CASE_COLUMNS)

    async def read_case(self, case_id: UUID) -> CaseState | None:
        async def read(fields: tuple[str, ...]) -> Entity | None:
            async with translated_errors():
                return await self.client.get("Case", case_id, select=(*CASE_COLUMNS, *fields))

        row = await self._with_fields(read)
        if row is None:
            return None
        status_id = lookup_guid(row.get("StatusId"))
        status = await self.status(status_id) if status_id else None
        number, modified_on = _text(row.get("Number")) or None, _time(row.get("ModifiedOn"))
        return CaseState(case_id, number, status, modified_on, self._fields_of(row))

    async def replies(self, case_id: UUID, type_ids: Sequence[UUID]) -> list[CrmActivity]:
        if not type_ids:
            return []
        query = f"Case/Id eq {odata_guid(case_id)} and ({ids_filter(type_ids, 'Type/Id')})"
        async with translated_errors():
            rows = self.client.iterate(
                "Activity", filter=query, select=ACTIVITY_COLUMNS, orderby="CreatedOn", limit=MAX_REPLIES
            )
            return [_activity(row) async for row in rows]

    async def contact_name(self, contact_id: UUID) -> str | None:
        if contact_id not in self._names:
            async with translated_errors():
                row = await self.client.get("Contact", contact_id, select=["Id", "Name"])
            self._names[contact_id] = (_text(row.get("Name")) or None) if row else None
        return self._names[contact_id]

    async def status(self, status_id: UUID) -> CaseStatusInfo | None:
        if status_id not in self._statuses:
            columns = ["Id", "Name", "IsResolved", "IsFinal"]
            async with translated_errors():
                row = await self.client.get("CaseStatus", status_id, select=columns)
            if row is None:
                return None
            self._statuses[status_id] = CaseStatusInfo(
                status_id, _text(row.get("Name")), row.get("IsResolved") is True, row.get("IsFinal") is True
            )
        return self._statuses[status_id]

    async def activity_type_ids(self, names: Sequence[str]) -> tuple[UUID, ...]:
        found: list[UUID] = []
        for name in names:
            guid = lookup_guid(name)
            if guid is None:
                key = name.lower()
                guid = self._types[key] if key in self._types else await self._type_by_name(name)
            found.append(guid)
        return tuple(dict.fromkeys(found))

    async def changed_activities(
        self, since: datetime, type_ids: Sequence[UUID], *, top: int, skip: int
    ) -> list[ActivityChange]:
        if not type_ids:
            return []
        query = f"ModifiedOn ge {odata_datetime(since)} and ({ids_filter(type_ids, 'Type/Id')})"
        columns = ["Id", "CaseId", "ModifiedOn", "CreatedById"]
        rows = await self._page("Activity", query, columns, top, skip)
        return [
            ActivityChange(
                UUID(str(r["Id"])), lookup_guid(r.get("CaseId")), _when(r), lookup_guid(r.get("CreatedById"))
            )
            for r in rows
        ]

    async def changed_cases(self, since: datetime, *, top: int, skip: int) -> list[CaseChange]:
        # Casebridge's cases have origin Chat; scanning only those keeps the scan small on a busy tenant.
        query = f"ModifiedOn ge {odata_datetime(since)} and Origin/Id eq {odata_guid(CaseOriginIds.CHAT)}"

        async def read(fields: tuple[str, ...]) -> list[Entity]:
            return await self._page("Case", query, ["Id", "StatusId", "ModifiedOn", *fields], top, skip)

        rows = await self._with_fields(read)
        return [
            CaseChange(UUID(str(r["Id"])), lookup_guid(r.get("StatusId")), _when(r), self._fields_of(r))
            for r in rows
        ]

    async def _with_fields(self, read: Callable[[tuple[str, ...]], Awaitable[R]]) -> R:
        """The read with the auto-filled columns. When Creatio refuses it and accepts it without them (a
        mapped column it does not have), they are left out from then on: replies must still get through."""
        fields = self._fields
        if not fields:
            return await read(())
        try:
            return await read(fields)
        except PermanentFailure as exc:
            found = await read(())
            self._fields = ()
            logger.warning(
                "Creatio refused the auto-filled columns in a case read: agents' edits of them are not "
                "recorded until the mapping's columns are fixed (casebridge mappings check)",
                extra={"columns": list(fields), "error": exc.message},
            )
            return found

    def _fields_of(self, row: Entity) -> dict[str, Any]:
        return {column: row[column] for column in self._fields if column in row}

    async def _page(
        self, entity_set: str, query: str, columns: list[str], top: int, skip: int
    ) -> list[Entity]:
        async with translated_errors():
            page = await self.client.list(
                entity_set, filter=query, select=columns, orderby="ModifiedOn,Id", top=top, skip=skip
            )
        return page.items

    async def _type_by_name(self, name: str) -> UUID:
        async with translated_errors():
            row = await self.client.find_by_name("ActivityType", name)
        if row is None:
            raise PermanentFailure(
                f"Creatio has no activity type named {name!r}: fix CASEBRIDGE_REPLY_ACTIVITY_TYPES "
                "(names or GUIDs of the ActivityType lookup)."
            )
        self._types[name.lower()] = UUID(str(row["Id"]))
        return self._types[name.lower()]


class CurrentCreatio(Protocol):
    @property
    def client(self) -> CreatioClient | None: ...

    def current(self) -> tuple[CrmPort, SyncSettings] | None: ...


class CaseReaders:
    """The reader of the saved connection; a new one (fresh caches) whenever Test & Save swaps the client."""

    def __init__(
        self,
        connection: CurrentCreatio,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        field_columns: Sequence[str] = (),
    ) -> None:
        self._connection = connection
        self._cache_seconds = cache_seconds
        self._field_columns = tuple(field_columns)
        self._reader: CreatioCaseReader | None = None

    def current(self) -> tuple[CreatioCaseReader, SyncSettings] | None:
        client, current = self._connection.client, self._connection.current()
        if client is None or current is None:
            return None
        if self._reader is None or self._reader.client is not client:
            self._reader = CreatioCaseReader(client, self._cache_seconds, self._field_columns)
        return self._reader, current[1]


def _activity(row: Entity) -> CrmActivity:
    created_by = lookup_guid(row.get("CreatedById"))
    sender = lookup_guid(row.get("SenderContactId"))
    body = _text(row.get("Body")).strip()
    if body and row.get("IsHtmlBody") is True:
        body = html_to_text(body)
    text = body or _text(row.get("DetailedResult")).strip() or _text(row.get("Title")).strip()
    return CrmActivity(
        id=UUID(str(row["Id"])),
        created_on=_time(row.get("CreatedOn")) or datetime.now(UTC),
        created_by=created_by,
        author_id=sender or created_by,
        incoming=lookup_guid(row.get("MessageTypeId")) == EmailTypeIds.INCOMING,
        text=text,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _when(row: Entity) -> datetime:
    return _time(row.get("ModifiedOn")) or datetime.now(UTC)


_BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_HIDDEN = frozenset({"script", "style", "head", "title"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (line.strip() for line in "".join(collector.parts).replace("\xa0", " ").split("\n"))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


K = TypeVar("K")
V = TypeVar("V")
PRUNE_ABOVE = 10_000  # entries; expired ones are dropped past this so memory stays bounded


class TtlMap(Generic[K, V]):
    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}

    def __contains__(self, key: K) -> bool:
        entry = self._entries.get(key)
        return entry is not None and self._clock() < entry[0]

    def __getitem__(self, key: K) -> V:
        return self._entries[key][1]

    def __setitem__(self, key: K, value: V) -> None:
        now = self._clock()
        if len(self._entries) >= PRUNE_ABOVE:
            self._entries = {k: e for k, e in self._entries.items() if now < e[0]}
        self._entries[key] = (now + self._ttl, value)
