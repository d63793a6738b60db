"""Lookup rows by Name (CasePriority, CaseCategory, ...) and column checks, for the auto-fill's LookupPort."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from app.adapters.creatio.batch import chunked
from app.adapters.creatio.client import CreatioClient
from app.adapters.creatio.crm import translated_errors
from app.adapters.creatio.errors import CreatioPermanentError
from app.adapters.creatio.literals import odata_string

NAMES_PER_REQUEST = 20  # keeps `Name eq 'a' or Name eq 'b' ...` well under the 2048-byte query limit


class CreatioLookups:
    def __init__(self, client: CreatioClient) -> None:
        self._client = client

    async def ids_by_name(self, entity_set: str, names: Sequence[str]) -> dict[str, list[UUID]]:
        """Every record whose Name equals one of `names` (compared case-insensitively), per name."""
        wanted = list(dict.fromkeys(names))
        found: dict[str, list[UUID]] = {name: [] for name in wanted}
        by_key = {name.casefold(): name for name in wanted}
        async with translated_errors():
            for chunk in chunked(wanted, NAMES_PER_REQUEST):
                condition = " or ".join(f"Name eq {odata_string(name)}" for name in chunk)
                page = await self._client.list(
                    entity_set, filter=condition, select=["Id", "Name"], orderby="Id", top=len(chunk) * 5
                )
                for row in page.items:
                    name = by_key.get(str(row.get("Name", "")).casefold())
                    if name is not None:
                        found[name].append(UUID(str(row["Id"])))
        return found

    async def missing_columns(self, entity_set: str, columns: Sequence[str]) -> list[str]:
        """The columns Creatio does not know (a `$select` of them answers 400); one request if all exist."""
        if await self._selectable(entity_set, columns):
            return []
        return [column for column in columns if not await self._selectable(entity_set, [column])]

    async def _selectable(self, entity_set: str, columns: Sequence[str]) -> bool:
        try:
            async with translated_errors():
                await self._client.list(entity_set, select=["Id", *columns], top=1)
        except Exception as exc:
            cause = exc.__cause__
            if isinstance(cause, CreatioPermanentError) and cause.status == 400:
                return False
            raise
        return True
