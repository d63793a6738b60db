"""OData 4 text and answers: safe literals and name checks (callers never build $filter by hand),
bounded list queries, and reading entity and collection answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from app.adapters.creatio.errors import CreatioRetryableError, error_for_response, read_json

MAX_TOP = 5000
Entity = dict[str, Any]


@dataclass(frozen=True)
class ODataPage:
    """One page of a collection. `count` is set only when `$count=true` was asked for."""

    items: list[Entity]
    count: int | None
    top: int
    skip: int

    @property
    def is_last(self) -> bool:
        """True when fewer rows than `$top` came back, so there is no next page."""
        return len(self.items) < self.top


def list_params(
    *,
    filter: str | None,
    select: Sequence[str] | None,
    orderby: str | None,
    top: int,
    skip: int,
    count: bool,
) -> dict[str, str]:
    """Query options in a fixed order; `$top` is always present and bounded."""
    if isinstance(top, bool) or not 0 <= top <= MAX_TOP:
        raise ValueError(f"top must be between 0 and {MAX_TOP}, got {top!r}")
    if isinstance(skip, bool) or skip < 0:
        raise ValueError(f"skip must be 0 or more, got {skip!r}")
    params: dict[str, str] = {}
    if filter is not None and filter.strip():
        params["$filter"] = filter.strip()
    if select is not None:
        params["$select"] = select_clause(select)
    if orderby is not None and orderby.strip():
        params["$orderby"] = ",".join(orderby_keys(orderby))
    params["$top"] = str(top)
    if skip:
        params["$skip"] = str(skip)
    if count:
        params["$count"] = "true"
    return params


def select_params(select: Sequence[str] | None) -> dict[str, str] | None:
    """`{"$select": ...}` or None."""
    return {"$select": select_clause(select)} if select is not None else None


def read_entity(response: httpx.Response, what: str) -> Entity:
    """The entity in a 200/201 answer, without OData annotations; raises for error statuses."""
    if not 200 <= response.status_code < 300:
        raise error_for_response(response, what)
    payload = read_json(response)
    if not isinstance(payload, dict):
        raise unexpected_answer(response, what)
    return strip_annotations(payload)


def read_page(response: httpx.Response, what: str, *, top: int, skip: int) -> ODataPage:
    """The rows and count of a collection answer; raises for error statuses."""
    if response.status_code != 200:
        raise error_for_response(response, what)
    payload = read_json(response)
    rows = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(payload, dict) or not isinstance(rows, list):
        raise unexpected_answer(response, what)
    if not all(isinstance(row, dict) for row in rows):
        raise unexpected_answer(response, what)
    return ODataPage([strip_annotations(r) for r in rows], _count(payload.get("@odata.count")), top, skip)


def strip_annotations(entity: dict[str, Any]) -> Entity:
    """The entity without `@odata.*` annotations."""
    return {key: value for key, value in entity.items() if not key.startswith("@odata.")}


def unexpected_answer(response: httpx.Response, what: str) -> CreatioRetryableError:
    """A 2xx answer that is not the expected OData JSON (a proxy or a wrong URL in between?)."""
    return CreatioRetryableError(
        f"Creatio answered {what} with {response.status_code}, but not with the expected OData JSON. Check "
        "the instance URL and any proxy between Casebridge and Creatio.",
        status=response.status_code,
    )


def _count(value: Any) -> int | None:
    """`@odata.count`, which IEEE754Compatible=true may send as a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


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


def entity_id_of(body: Mapping[str, Any]) -> UUID:
    """The client-generated `Id` of a create body (UUID or GUID string); ValueError when missing."""
    value = body.get("Id")
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    raise ValueError("create() needs body['Id'] set to a client-generated UUID, so retries never duplicate")
