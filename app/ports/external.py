"""The ports to the outside world: the CRM (writing cases, reading them back), the chat platform and
the auto-fill; adapters implement them, the pipeline only sees these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from app.domain.case import ActivityDraft, CaseChanges, CaseDraft, CaseRef, CustomerIdentity
from app.domain.crm_updates import (
    ActivityChange,
    CaseChange,
    CaseState,
    CaseStatusInfo,
    CaseValues,
    ChatNotice,
    CrmActivity,
    DeliveryOutcome,
)
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


class CurrentCrm(Protocol):
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


class CaseReaderPort(Protocol):
    """Reads cases and their activities back from the CRM (raises the pipeline's errors)."""

    async def read_case(self, case_id: UUID) -> CaseState | None: ...

    async def replies(self, case_id: UUID, type_ids: Sequence[UUID]) -> list[CrmActivity]:
        """Activities of the given types on the case, oldest first (bounded)."""
        ...

    async def contact_name(self, contact_id: UUID) -> str | None: ...

    async def status(self, status_id: UUID) -> CaseStatusInfo | None: ...

    async def activity_type_ids(self, names: Sequence[str]) -> tuple[UUID, ...]:
        """GUIDs of activity types given by name or GUID."""
        ...

    async def changed_activities(
        self, since: datetime, type_ids: Sequence[UUID], *, top: int, skip: int
    ) -> list[ActivityChange]:
        """Activities of the types modified at or after `since`, by ModifiedOn then Id."""
        ...

    async def changed_cases(self, since: datetime, *, top: int, skip: int) -> list[CaseChange]:
        """Cases modified at or after `since`, by ModifiedOn then Id."""
        ...


class CaseValuesObserver(Protocol):
    """Told what the auto-filled columns of cases held when Creatio-to-chat or the reconciliation read them
    (app/pipeline/autofill/agent_edits.py compares them with what was applied). Never raises."""

    async def observe(self, cases: Sequence[CaseValues]) -> None: ...


class CaseReaderSource(Protocol):
    def current(self) -> tuple[CaseReaderPort, SyncSettings] | None:
        """The reader and sync settings of the saved connection, or None while none is saved."""
        ...


class ChatPort(Protocol):
    """Signed POSTs to the chat platform; never raises for HTTP outcomes, it reports them."""

    async def send(self, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome: ...
