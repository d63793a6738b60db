"""Builds bounded OData list queries and reads entity and collection answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from app.adapters.creatio.classify import error_for_response, read_json
from app.adapters.creatio.errors import CreatioRetryableError
from app.adapters.creatio.literals import orderby_keys, select_clause

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
