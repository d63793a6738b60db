"""JSON $batch: operations, chunking at 100, payloads and per-operation results; sending the chunks and
double-checking creates answered with a duplicate Id."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from uuid import UUID

import httpx

from app.adapters.creatio.errors import (
    CreatioError,
    CreatioPermanentError,
    CreatioRetryableError,
    error_for_response,
    error_for_status,
    is_duplicate_key,
    read_json,
)
from app.adapters.creatio.http import JSON_CONTENT_TYPE, encode_json, query_string
from app.adapters.creatio.odata import (
    check_entity_set,
    entity_id_of,
    odata_guid,
    strip_annotations,
    unexpected_answer,
)
from app.adapters.creatio.sender import ODataSender

logger = logging.getLogger(__name__)
MAX_BATCH_SIZE = 100
BatchMethod = Literal["GET", "POST", "PATCH", "DELETE"]
T = TypeVar("T")


@dataclass(frozen=True)
class BatchOperation:
    """One sub-request. `id` labels it in the $batch (defaults to its position in the call)."""

    method: BatchMethod
    entity_set: str
    entity_id: UUID | None = None
    body: Mapping[str, Any] | None = field(default=None, repr=False)
    id: str | None = None
    query: Mapping[str, str] | None = None  # a collection GET's options ($filter, $select, $top)

    @classmethod
    def create(cls, entity_set: str, body: Mapping[str, Any], *, id: str | None = None) -> BatchOperation:
        """A POST; `body["Id"]` should hold the client-generated Id (see existing_ids for retries)."""
        return cls("POST", entity_set, None, body, id)

    @classmethod
    def update(
        cls, entity_set: str, entity_id: UUID, body: Mapping[str, Any], *, id: str | None = None
    ) -> BatchOperation:
        """A PATCH of the given fields."""
        return cls("PATCH", entity_set, entity_id, body, id)

    @classmethod
    def read(cls, entity_set: str, query: Mapping[str, str], *, id: str | None = None) -> BatchOperation:
        """A GET of the collection with these query options (see `list_params`)."""
        return cls("GET", entity_set, None, None, id, query)

    def url(self) -> str:
        """`Case` for POST, `Case?<options>` for a collection GET, `Case/<guid>` otherwise (the key form of
        Creatio's JSON $batch examples)."""
        entity_set = check_entity_set(self.entity_set)
        if self.method == "POST":
            return entity_set
        if self.method == "GET" and self.entity_id is None and self.query is not None:
            return f"{entity_set}?{query_string(self.query)}"
        if self.entity_id is None:
            raise ValueError(f"A {self.method} batch operation needs an entity_id")
        return f"{entity_set}/{odata_guid(self.entity_id)}"


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one operation. `ok` is True on 2xx, and for a create whose Id already existed."""

    operation: BatchOperation
    id: str
    status: int
    body: dict[str, Any] | None = field(default=None, repr=False)
    error: CreatioError | None = None
    already_existed: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def wire_ids(operations: Sequence[BatchOperation]) -> list[str]:
    """The sub-request id of each operation; raises ValueError on duplicates."""
    ids = [op.id if op.id is not None else str(index) for index, op in enumerate(operations, 1)]
    if len(set(ids)) != len(ids) or not all(ids):
        raise ValueError("Batch operation ids must be unique, non-empty strings")
    return ids


def batch_payload(operations: Sequence[BatchOperation], ids: Sequence[str]) -> dict[str, Any]:
    """`{"requests": [...]}` for one chunk."""
    requests = []
    for op, op_id in zip(operations, ids, strict=True):
        request: dict[str, Any] = {"id": op_id, "method": op.method, "url": op.url()}
        request["headers"] = {"Content-Type": JSON_CONTENT_TYPE} if op.body is not None else {}
        if op.body is not None:
            request["body"] = dict(op.body)
        requests.append(request)
    return {"requests": requests}


def read_results(
    payload: Any, operations: Sequence[BatchOperation], ids: Sequence[str]
) -> list[BatchResult] | None:
    """Per-operation results in the callers' order, or None when the payload is not a $batch answer."""
    responses = payload.get("responses") if isinstance(payload, dict) else None
    if not isinstance(responses, list):
        return None
    by_id = {str(r.get("id")): r for r in responses if isinstance(r, dict)}
    unknown = set(by_id) - set(ids)
    if unknown:
        logger.warning("Creatio $batch answer has %d responses with unknown ids", len(unknown))
    return [_result(op, op_id, by_id.get(op_id)) for op, op_id in zip(operations, ids, strict=True)]


def _result(op: BatchOperation, op_id: str, response: dict[str, Any] | None) -> BatchResult:
    what = f"{op.method} {op.url()} in $batch"
    if response is None or not isinstance(response.get("status"), int):
        skipped = CreatioRetryableError(
            f"Creatio did not run {what} (no answer for it; an earlier operation may have failed).",
            ambiguous=False,
        )
        return BatchResult(op, op_id, 424, error=skipped)
    status: int = response["status"]
    raw_body = response.get("body")
    body = strip_annotations(raw_body) if isinstance(raw_body, dict) else None
    if 200 <= status < 300:
        return BatchResult(op, op_id, status, body)
    if op.method == "POST" and is_duplicate_key(raw_body):
        return BatchResult(op, op_id, status, None, already_existed=True)
    headers = response.get("headers")
    error = error_for_status(
        status, httpx.Headers(headers if isinstance(headers, dict) else {}), raw_body, what
    )
    return BatchResult(op, op_id, status, body, error=error)


logger = logging.getLogger(__name__)
ExistingIds = Callable[[str, Sequence[UUID]], Awaitable[set[UUID]]]


async def run_batch(
    session: ODataSender, operations: Sequence[BatchOperation], existing_ids: ExistingIds
) -> list[BatchResult]:
    """One result per operation, in the caller's order; raises if a whole chunk fails."""
    ops = list(operations)
    ids = wire_ids(ops)
    for op in ops:
        op.url()  # validates names and keys before anything is sent
        if op.method == "POST":
            entity_id_of(op.body or {})
    results: list[BatchResult] = []
    for start in range(0, len(ops), MAX_BATCH_SIZE):
        end = start + MAX_BATCH_SIZE
        results.extend(await _send_chunk(session, ops[start:end], ids[start:end]))
    return await _verify_duplicates(results, existing_ids)


async def _send_chunk(
    session: ODataSender, ops: Sequence[BatchOperation], ids: Sequence[str]
) -> list[BatchResult]:
    what = f"POST $batch ({len(ops)} operations)"
    body = encode_json(batch_payload(ops, ids))
    prefer = {"Prefer": "continue-on-error"}
    response = await session.send("POST", "$batch", body=body, extra_headers=prefer)
    if response.status_code != 200:
        raise error_for_response(response, what)
    results = read_results(read_json(response), ops, ids)
    if results is None:
        raise unexpected_answer(response, what)
    failed = sum(1 for r in results if not r.ok)
    # Success is routine (the pipeline logs each case it wrote); a failed sub-request is not.
    level = logging.WARNING if failed else logging.DEBUG
    logger.log(level, "Creatio %s: %d ok, %d failed", what, len(results) - failed, failed)
    return results


async def _verify_duplicates(results: list[BatchResult], existing_ids: ExistingIds) -> list[BatchResult]:
    """Keep a duplicate-key create as success only if an entity with its Id really exists."""
    claimed: dict[str, list[UUID]] = {}
    for r in results:
        if r.already_existed:
            claimed.setdefault(r.operation.entity_set, []).append(entity_id_of(r.operation.body or {}))
    found = {(s, i) for s, ids in claimed.items() for i in await existing_ids(s, ids)}
    return [_checked_duplicate(r, found) if r.already_existed else r for r in results]


def _checked_duplicate(result: BatchResult, found: set[tuple[str, UUID]]) -> BatchResult:
    op = result.operation
    if (op.entity_set, entity_id_of(op.body or {})) in found:
        return result
    error = CreatioPermanentError(
        f"Creatio refused POST {op.entity_set} in $batch: a unique value already exists on another record.",
        status=result.status,
    )
    return dataclasses.replace(result, error=error, already_existed=False)
