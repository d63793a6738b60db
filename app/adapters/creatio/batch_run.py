"""Sends $batch operations in chunks of 100 and double-checks creates answered with a duplicate Id."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from app.adapters.creatio.batch import (
    MAX_BATCH_SIZE,
    BatchOperation,
    BatchResult,
    batch_payload,
    read_results,
    wire_ids,
)
from app.adapters.creatio.classify import error_for_response, read_json
from app.adapters.creatio.create import entity_id_of
from app.adapters.creatio.errors import CreatioPermanentError
from app.adapters.creatio.http import encode_json
from app.adapters.creatio.query import unexpected_answer
from app.adapters.creatio.session import ODataSession

logger = logging.getLogger(__name__)

ExistingIds = Callable[[str, Sequence[UUID]], Awaitable[set[UUID]]]


async def run_batch(
    session: ODataSession, operations: Sequence[BatchOperation], existing_ids: ExistingIds
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
    session: ODataSession, ops: Sequence[BatchOperation], ids: Sequence[str]
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
