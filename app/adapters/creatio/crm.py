"""The pipeline's CRM port on Creatio: contacts, cases and activities in as few requests as possible."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from app.adapters.creatio.batch import BatchOperation, BatchResult
from app.adapters.creatio.client import CreatioClient
from app.adapters.creatio.errors import (
    CreatioAuthError,
    CreatioError,
    CreatioPermanentError,
    CreatioReferenceError,
    CreatioRetryableError,
)
from app.adapters.creatio.odata import odata_string
from app.adapters.creatio.payloads import (
    activity_body,
    case_body,
    case_changes_body,
    contact_body,
    lookup_values,
    reference_of,
)
from app.domain.case import ActivityDraft, CaseChanges, CaseDraft, CaseRef, CustomerIdentity
from app.ports.errors import (
    AuthenticationFailure,
    MissingReference,
    PermanentFailure,
    TemporaryFailure,
    Throttled,
)

CONTACT_FILTERS = {
    "email": lambda c: f"Email eq {odata_string(c.email)}" if c.email else None,
    "phone": lambda c: (
        f"MobilePhone eq {odata_string(c.phone)} or Phone eq {odata_string(c.phone)}" if c.phone else None
    ),
}


@asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """Creatio's errors as the pipeline's: retry transient ones, stop on rejections."""
    try:
        yield
    except CreatioRetryableError as exc:  # includes an unreachable identity service
        if exc.status == 429:
            raise Throttled(exc.message, retry_after=exc.retry_after) from exc
        raise TemporaryFailure(exc.message, retry_after=exc.retry_after) from exc
    except CreatioAuthError as exc:
        raise AuthenticationFailure(exc.message) from exc
    except CreatioPermanentError as exc:
        raise PermanentFailure(exc.message) from exc
    except CreatioError as exc:
        raise PermanentFailure(exc.message) from exc


class CreatioCrm:
    def __init__(self, client: CreatioClient) -> None:
        self._client = client
        self._status_ids: dict[str, UUID | None] = {}

    async def find_contact(self, customer: CustomerIdentity, match_on: Sequence[str]) -> UUID | None:
        async with translated_errors():
            for field in match_on:
                condition = CONTACT_FILTERS[field](customer)
                if condition is None:
                    continue
                page = await self._client.list(
                    "Contact", filter=condition, select=["Id"], orderby="CreatedOn", top=1
                )
                if page.items:
                    return UUID(str(page.items[0]["Id"]))
        return None

    async def create_case(
        self,
        case: CaseDraft,
        activities: Sequence[ActivityDraft],
        *,
        new_contact: tuple[UUID, CustomerIdentity] | None,
        verify_existing: bool,
    ) -> CaseRef:
        operations = [BatchOperation.create("Case", case_body(case), id="case")]
        if new_contact is not None:
            operations.insert(0, BatchOperation.create("Contact", contact_body(*new_contact), id="contact"))
        operations += [BatchOperation.create("Activity", activity_body(a)) for a in activities]
        async with translated_errors():
            results = await self._run(operations, verify_existing)
            created = next((r for r in results if r.id == "case" and r.body), None)
            number = created.body.get("Number") if created and created.body else None
            if number is None:  # the case existed already (a retry); read its number
                existing = await self._client.get("Case", case.id, select=["Id", "Number"])
                number = existing.get("Number") if existing else None
        return CaseRef(id=case.id, number=str(number) if number else None)

    async def update_case(
        self,
        case_id: UUID,
        changes: CaseChanges,
        activities: Sequence[ActivityDraft],
        *,
        verify_existing: bool,
    ) -> None:
        operations = [BatchOperation.create("Activity", activity_body(a)) for a in activities]
        if not changes.is_empty():
            operations.insert(
                0, BatchOperation.update("Case", case_id, case_changes_body(changes), id="case")
            )
        if not operations:
            return
        async with translated_errors():
            await self._run(operations, verify_existing)

    async def read_case(self, case_id: UUID, columns: Sequence[str]) -> Mapping[str, Any] | None:
        async with translated_errors():
            return await self._client.get("Case", case_id, select=["Id", *columns])

    async def status_id_by_name(self, name: str) -> UUID | None:
        if name not in self._status_ids:
            async with translated_errors():
                found = await self._client.find_by_name("CaseStatus", name)
            self._status_ids[name] = UUID(str(found["Id"])) if found else None
        return self._status_ids[name]

    async def _run(self, operations: list[BatchOperation], verify_existing: bool) -> list[BatchResult]:
        if verify_existing:
            operations = await self._without_existing(operations)
        if not operations:
            return []
        if len(operations) == 1:
            try:
                return [await self._run_single(operations[0])]
            except CreatioReferenceError as exc:
                raise await self._missing_reference(operations[0], exc) from exc
        results = await self._client.batch(operations)
        failure = next((r for r in results if not r.ok), None)
        if failure is not None and failure.error is not None:
            if isinstance(failure.error, CreatioReferenceError):
                raise await self._missing_reference(failure.operation, failure.error) from failure.error
            raise failure.error
        return results

    async def _missing_reference(self, op: BatchOperation, error: CreatioReferenceError) -> MissingReference:
        """Which lookup of the refused write points at nothing: Creatio's message names no column, so the
        lookups whose entity set is known are looked up; when all exist, a single other lookup is the one."""
        lookups = lookup_values(op.entity_set, op.body or {})
        missing = None
        try:
            for target in dict.fromkeys(t for _, t, _ in lookups if t is not None):
                ids = [guid for _, t, guid in lookups if t == target]
                found = await self._client.existing_ids(target, ids)
                missing = next(((c, g) for c, t, g in lookups if t == target and g not in found), None)
                if missing is not None:
                    break
        except CreatioError as exc:  # the refusal stands; only its explanation is less precise
            logger.warning("could not find which lookup Creatio refused", extra={"error": exc.message})
            return MissingReference(error.message)
        others = [(c, g) for c, t, g in lookups if t is None]
        if missing is None and len(others) == 1:
            missing = others[0]
        if missing is None:
            return MissingReference(error.message)
        column, value = missing
        reference = reference_of(op.entity_set, column)
        if reference == "status":
            self._status_ids = {k: v for k, v in self._status_ids.items() if v != value}
        return MissingReference(
            f"Creatio has no record {value} that {op.entity_set}.{column} may point at (deleted in "
            "Creatio?); the write was refused.",
            reference=reference,
            column=f"{op.entity_set}.{column}",
            value=str(value),
        )

    async def _run_single(self, op: BatchOperation) -> BatchResult:
        """One operation needs no $batch envelope: a plain POST or PATCH is one request either way."""
        body = dict(op.body or {})
        if op.method == "POST":
            created = await self._client.create(op.entity_set, body)
            return BatchResult(op, op.id or "0", 201, created)
        assert op.entity_id is not None
        await self._client.update(op.entity_set, op.entity_id, body)
        return BatchResult(op, op.id or "0", 204)

    async def _without_existing(self, operations: list[BatchOperation]) -> list[BatchOperation]:
        """After an ambiguous failure, drop creates whose Id Creatio already has. A case that exists is
        patched instead, so values decided since the first attempt (status, handoff fields) still land."""
        wanted: dict[str, list[UUID]] = {}
        for op in operations:
            if op.method == "POST" and op.body is not None:
                wanted.setdefault(op.entity_set, []).append(UUID(str(op.body["Id"])))
        existing = await self._client.existing_ids_in(wanted)
        kept: list[BatchOperation] = []
        for op in operations:
            key = (op.entity_set, UUID(str(op.body["Id"]))) if op.method == "POST" and op.body else None
            if key is None or key not in existing:
                kept.append(op)
            elif op.entity_set == "Case" and op.body is not None:
                changes = {name: value for name, value in op.body.items() if name != "Id"}
                kept.append(BatchOperation.update("Case", key[1], changes, id=op.id))
        return kept


__all__ = ["CreatioCrm", "translated_errors"]


logger = logging.getLogger(__name__)
