"""CreatioClient: the OData 4 operations Casebridge needs, on top of the session and token cache."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from app.adapters.creatio.batch import (
    BatchOperation,
    BatchResult,
    chunked,
    run_batch,
)
from app.adapters.creatio.create import IdempotentCreator
from app.adapters.creatio.discovery import TokenEndpoint
from app.adapters.creatio.errors import (
    CreatioAmbiguousNameError,
    CreatioRetryableError,
    error_for_response,
)
from app.adapters.creatio.http import encode_json
from app.adapters.creatio.instance import CreatioInstance
from app.adapters.creatio.odata import (
    MAX_TOP,
    Entity,
    ODataPage,
    check_entity_set,
    ids_filter,
    list_params,
    odata_datetime,
    odata_guid,
    odata_string,
    read_entity,
    read_page,
    select_params,
    stable_orderby,
)
from app.adapters.creatio.odata_root import ODataRootFound
from app.adapters.creatio.sender import ODataSender
from app.adapters.creatio.token import TokenCache, TokenState
from app.domain.creatio_ids import guid_or_none

EXISTING_IDS_CHUNK = 20  # keeps `Id eq a or Id eq b ...` well under IIS's 2048-byte query limit
Entities = list[Entity]
BatchResults = list[BatchResult]


class CreatioClient:
    """One Creatio instance. Raises CreatioError subclasses; never retries except once after a 401."""

    def __init__(
        self,
        instance: CreatioInstance,
        http: httpx.AsyncClient,
        *,
        max_concurrency: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._instance = instance
        self._tokens = TokenCache(instance, http, clock=clock)
        self._session = ODataSender(instance, http, self._tokens, max_concurrency=max_concurrency)
        self._creator = IdempotentCreator(self._session, self.get)

    def __repr__(self) -> str:
        return f"CreatioClient(instance_url={self._instance.instance_url!r})"

    @property
    def instance(self) -> CreatioInstance:
        return self._instance

    @property
    def token_state(self) -> TokenState:
        """Token diagnostics for /ready (never the token)."""
        return self._tokens.state

    @property
    def odata_root(self) -> str | None:
        """The OData root in use; None until detected (at the first request, or `detect_odata_root`)."""
        return self._session.root

    async def token_endpoint(self) -> TokenEndpoint:
        """Where tokens come from and how that was found (Test & Save); found once, then kept."""
        return await self._tokens.endpoint()

    async def authenticate(self) -> None:
        """Fetch a fresh token now (Test & Save); raises CreatioAuthError explaining what to fix."""
        await self._tokens.refresh()

    async def detect_odata_root(self) -> ODataRootFound:
        """Check which OData root answers (only the chosen one when the platform is set) and use it."""
        return await self._session.detect_root()

    async def get(
        self, entity_set: str, entity_id: UUID, *, select: Sequence[str] | None = None
    ) -> Entity | None:
        """`GET <set>(<guid>)`; None when Creatio answers 404."""
        path = f"{check_entity_set(entity_set)}({odata_guid(entity_id)})"
        response = await self._session.send("GET", path, query=select_params(select))
        if response.status_code == 404:
            return None
        return read_entity(response, f"GET {path}")

    async def list(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: str | None = None,
        top: int = 100,
        skip: int = 0,
        count: bool = False,
    ) -> ODataPage:
        """One page of a collection; `$top` is always sent (at most 5000)."""
        params = list_params(filter=filter, select=select, orderby=orderby, top=top, skip=skip, count=count)
        path = check_entity_set(entity_set)
        response = await self._session.send("GET", path, query=params)
        return read_page(response, f"GET {path}", top=top, skip=skip)

    def iterate(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: str = "Id",
        page_size: int = 100,
        limit: int | None = None,
    ) -> AsyncIterator[Entity]:
        """All matching rows, paged with `$top`/`$skip` over a stable `$orderby` (Id added as tie-breaker)."""
        if not 1 <= page_size <= MAX_TOP:
            raise ValueError(f"page_size must be between 1 and {MAX_TOP}")
        if limit is not None and limit < 0:
            raise ValueError("limit must be 0 or more")
        check_entity_set(entity_set)
        return self._pages(entity_set, filter, select, stable_orderby(orderby), page_size, limit)

    async def _pages(
        self,
        entity_set: str,
        filter: str | None,
        select: Sequence[str] | None,
        orderby: str,
        page_size: int,
        limit: int | None,
    ) -> AsyncIterator[Entity]:
        skip = 0
        while limit is None or skip < limit:
            top = page_size if limit is None else min(page_size, limit - skip)
            page = await self.list(
                entity_set, filter=filter, select=select, orderby=orderby, top=top, skip=skip
            )
            for item in page.items[:top]:
                yield item
            skip += len(page.items[:top])
            if page.is_last:
                return

    async def create(
        self, entity_set: str, body: Mapping[str, Any], *, check_existing: bool = False
    ) -> Entity:
        """POST a new entity with its client-generated `body["Id"]`; returns the entity as Creatio stored it.

        Safe to call again after a failure: after an ambiguous failure (timeout, network, 5xx) in this
        process, or with `check_existing=True` (a retried job), it reads by Id first; a duplicate-Id
        answer is read back and returned as success.
        """
        return await self._creator.create(check_entity_set(entity_set), body, check_existing=check_existing)

    async def update(self, entity_set: str, entity_id: UUID, body: Mapping[str, Any]) -> None:
        """PATCH the given fields (204 expected)."""
        if not body:
            raise ValueError("update() needs at least one field")
        if "Id" in body and str(body["Id"]).lower() != str(entity_id).lower():
            raise ValueError("update() body['Id'] differs from entity_id")
        path = f"{check_entity_set(entity_set)}({odata_guid(entity_id)})"
        response = await self._session.send("PATCH", path, body=encode_json(body))
        if not 200 <= response.status_code < 300:
            raise error_for_response(response, f"PATCH {path}")

    async def delete(self, entity_set: str, entity_id: UUID) -> bool:
        """DELETE one entity: True when deleted, False when Creatio has no such entity (404)."""
        path = f"{check_entity_set(entity_set)}({odata_guid(entity_id)})"
        response = await self._session.send("DELETE", path)
        if response.status_code == 404:
            return False
        if not 200 <= response.status_code < 300:
            raise error_for_response(response, f"DELETE {path}")
        return True

    async def batch(self, operations: Sequence[BatchOperation]) -> BatchResults:
        """Run operations through JSON `$batch` in chunks of 100; one result per operation, in order.

        Per-operation failures are in `BatchResult.error`; a failure of a whole chunk raises (use
        `existing_ids` before re-posting creates after an ambiguous failure).
        """
        return await run_batch(self._session, operations, self.existing_ids)

    async def existing_ids(self, entity_set: str, ids: Sequence[UUID]) -> set[UUID]:
        """Which of `ids` exist, asked with `Id eq a or Id eq b ...` filters in small chunks."""
        wanted = list(dict.fromkeys(ids))
        found: set[UUID] = set()
        for chunk in chunked(wanted, EXISTING_IDS_CHUNK):
            page = await self.list(entity_set, filter=ids_filter(chunk), select=["Id"], top=len(chunk))
            found.update(i for i in (guid_or_none(row.get("Id")) for row in page.items) if i is not None)
        return found & set(wanted)

    async def existing_ids_in(self, wanted: Mapping[str, Sequence[UUID]]) -> set[tuple[str, UUID]]:
        """Which of the ids exist, per entity set, asked in one request: the queries of `existing_ids` as
        one `$batch` of GETs when there are several (a retry's read-back then costs one request)."""
        queries = [
            (entity_set, chunk)
            for entity_set, ids in wanted.items()
            for chunk in chunked(list(dict.fromkeys(ids)), EXISTING_IDS_CHUNK)
        ]
        if len(queries) <= 1:
            return {(s, i) for s, ids in wanted.items() for i in await self.existing_ids(s, ids)}
        reads = [BatchOperation.read(s, _ids_query(c)) for s, c in queries]
        found: set[tuple[str, UUID]] = set()
        for (entity_set, chunk), result in zip(queries, await self.batch(reads), strict=True):
            if result.error is not None:
                raise result.error
            rows = (result.body or {}).get("value")
            if not isinstance(rows, list):
                raise CreatioRetryableError(
                    f"Creatio's answer to {result.operation.method} {entity_set} in $batch has no rows.",
                    ambiguous=False,
                )
            ids = {guid_or_none(row.get("Id")) for row in rows if isinstance(row, dict)}
            found.update((entity_set, i) for i in ids & set(chunk) if i is not None)
        return found

    async def find_by_name(
        self, entity_set: str, name: str, *, select: Sequence[str] = ("Id", "Name")
    ) -> Entity | None:
        """The one record whose Name equals `name`; None if none; CreatioAmbiguousNameError if several."""
        page = await self.list(
            entity_set, filter=f"Name eq {odata_string(name)}", select=select, orderby="Id", top=2
        )
        if len(page.items) > 1:
            raise CreatioAmbiguousNameError(
                f"Several {entity_set} records are named {name[:100]!r}; rename one in Creatio or use its Id."
            )
        return page.items[0] if page.items else None

    async def list_case_activities(
        self,
        case_id: UUID,
        *,
        select: Sequence[str] | None = None,
        modified_since: datetime | None = None,
        limit: int | None = None,
    ) -> Entities:
        """Activities linked to a case (`Case/Id eq <guid>`), oldest first."""
        filter = f"Case/Id eq {odata_guid(case_id)}"
        if modified_since is not None:
            filter += f" and ModifiedOn gt {odata_datetime(modified_since)}"
        rows = self.iterate("Activity", filter=filter, select=select, orderby="CreatedOn", limit=limit)
        return [row async for row in rows]


def _ids_query(ids: Sequence[UUID]) -> dict[str, str]:
    """The options of `existing_ids`' GET: the rows among `ids`, their Id only."""
    return list_params(filter=ids_filter(ids), select=["Id"], orderby=None, top=len(ids), skip=0, count=False)
