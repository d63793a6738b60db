"""The small interfaces the pipeline needs from the outside world; adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from app.domain.case import ActivityDraft, CaseChanges, CaseDraft, CaseRef, CustomerIdentity
from app.domain.transcript import Transcript


class CrmPort(Protocol):
    """Cases, activities and contacts in the CRM. Every id is chosen by the caller and stored first, so a
    retry is safe: with `verify_existing`, records that already exist are not written again."""

    async def find_contact(self, customer: CustomerIdentity, match_on: Sequence[str]) -> UUID | None: ...

    async def create_case(
        self,
        case: CaseDraft,
        activities: Sequence[ActivityDraft],
        *,
        new_contact: tuple[UUID, CustomerIdentity] | None,
        verify_existing: bool,
    ) -> CaseRef:
        """Create the case (and the customer's contact first, when given) with its first activities."""
        ...

    async def update_case(
        self,
        case_id: UUID,
        changes: CaseChanges,
        activities: Sequence[ActivityDraft],
        *,
        verify_existing: bool,
    ) -> None:
        """Apply column changes and add activities to an existing case, in as few requests as possible."""
        ...

    async def read_case(self, case_id: UUID, columns: Sequence[str]) -> Mapping[str, Any] | None: ...

    async def status_id_by_name(self, name: str) -> UUID | None: ...


@dataclass(frozen=True)
class SyncSettings:
    """The connection's defaults, as the sync needs them."""

    default_owner_id: UUID | None = None
    default_group_id: UUID | None = None
    resolved_status_id: UUID | None = None
    create_case_only_on_handoff: bool = False
    contact_match_on: tuple[str, ...] = ("email", "phone")
    reopen_status_name: str = "Reopened"


class CrmConnection(Protocol):
    def current(self) -> tuple[CrmPort, SyncSettings] | None:
        """The CRM and its settings, or None while no connection is saved."""
        ...


@dataclass(frozen=True)
class AutofillResult:
    """Column values to write with the case, and an optional note explaining them."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None
    audit: tuple[Mapping[str, Any], ...] = ()  # autofill_audit rows, stored in the sync's own write


class AutofillPort(Protocol):
    """Fills case fields from the conversation (the AI field auto-fill plugs in here)."""

    async def fill(self, transcript: Transcript, case_id: UUID | None, crm: CrmPort) -> AutofillResult: ...


class NoAutofill:
    """Used when no field mapping is configured: nothing is filled."""

    async def fill(self, transcript: Transcript, case_id: UUID | None, crm: CrmPort) -> AutofillResult:
        return AutofillResult()
