"""Lookup rows by Name (CasePriority, CaseCategory, ...) for the auto-fill's LookupPort, and the names
admins pick from instead of pasting GUIDs (case owners, groups, case statuses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from app.adapters.creatio.batch import chunked
from app.adapters.creatio.client import CreatioClient
from app.adapters.creatio.crm import translated_errors
from app.adapters.creatio.errors import CreatioPermanentError
from app.adapters.creatio.odata import ids_filter, odata_string
from app.domain.creatio_ids import guid_or_none, lookup_guid
from app.domain.crm_connection import PickItem, PickLists

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


USER_TYPE = 4  # SysAdminUnitTypeValue of a user; 5 is a portal user; the other values are groups/roles
PORTAL_USER_TYPE = 5
MAX_ROWS = 500
IDS_PER_REQUEST = 20


async def read_pick_lists(client: CreatioClient) -> PickLists:
    """Read the three lists (at most 500 rows each); raises CreatioError like every other read."""
    return PickLists(
        owners=await _owners(client), groups=await _groups(client), statuses=await _statuses(client)
    )


async def _owners(client: CreatioClient) -> list[PickItem]:
    users = await client.list(
        "SysAdminUnit",
        filter=f"SysAdminUnitTypeValue eq {USER_TYPE} and Active eq true",
        select=["Id", "Name", "ContactId"],
        orderby="Name",
        top=MAX_ROWS,
    )
    logins = {
        contact: str(row.get("Name") or "")
        for row in users.items
        if (contact := lookup_guid(row.get("ContactId"))) is not None
    }
    names: dict[UUID, str] = {}
    for chunk in chunked(list(logins), IDS_PER_REQUEST):
        page = await client.list("Contact", filter=ids_filter(chunk), select=["Id", "Name"], top=len(chunk))
        names.update(
            {i: str(row.get("Name") or "") for row in page.items if (i := guid_or_none(row.get("Id")))}
        )
    items = [_owner(i, names.get(i) or login, login) for i, login in logins.items()]
    return sorted(items, key=lambda item: item.name.casefold())


def _owner(contact_id: UUID, name: str, login: str) -> PickItem:
    return PickItem(contact_id, name, "" if login.casefold() == name.casefold() else f"login {login}")


async def _groups(client: CreatioClient) -> list[PickItem]:
    page = await client.list(
        "SysAdminUnit",
        filter=f"SysAdminUnitTypeValue ne {USER_TYPE} and SysAdminUnitTypeValue ne {PORTAL_USER_TYPE}",
        select=["Id", "Name"],
        orderby="Name",
        top=MAX_ROWS,
    )
    return _items(page.items, lambda _row: "")


async def _statuses(client: CreatioClient) -> list[PickItem]:
    page = await client.list(
        "CaseStatus", select=["Id", "Name", "IsResolved", "IsFinal"], orderby="Name", top=MAX_ROWS
    )
    return _items(page.items, _status_detail)


def _status_detail(row: dict[str, Any]) -> str:
    return " and ".join(
        kind for kind, flag in (("resolved", "IsResolved"), ("final", "IsFinal")) if row.get(flag)
    )


def _items(rows: list[dict[str, Any]], detail: Callable[[dict[str, Any]], str]) -> list[PickItem]:
    items = [
        PickItem(i, str(row.get("Name") or ""), detail(row))
        for row in rows
        if (i := guid_or_none(row.get("Id")))
    ]
    return sorted(items, key=lambda item: item.name.casefold())
