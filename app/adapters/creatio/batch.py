"""JSON $batch: operations, chunking at 100, request payloads and per-operation results."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from uuid import UUID

import httpx

from app.adapters.creatio.classify import error_for_status, is_duplicate_key
from app.adapters.creatio.errors import CreatioError, CreatioRetryableError
from app.adapters.creatio.http import JSON_CONTENT_TYPE
from app.adapters.creatio.literals import check_entity_set, odata_guid
from app.adapters.creatio.query import strip_annotations

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

    def url(self) -> str:
        """`Case` for POST, `Case/<guid>` otherwise (the key form of Creatio's JSON $batch examples)."""
        entity_set = check_entity_set(self.entity_set)
        if self.method == "POST":
            return entity_set
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
