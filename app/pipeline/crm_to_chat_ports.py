"""The interfaces the Creatio-to-chat pipeline needs: read cases back, and deliver to the chat platform."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from app.domain.crm_updates import (
    ActivityChange,
    CaseChange,
    CaseState,
    CaseStatusInfo,
    ChatNotice,
    CrmActivity,
    DeliveryOutcome,
)
from app.pipeline.ports import SyncSettings


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


class CaseReaderSource(Protocol):
    def current(self) -> tuple[CaseReaderPort, SyncSettings] | None:
        """The reader and sync settings of the saved connection, or None while none is saved."""
        ...


class ChatPort(Protocol):
    """Signed POSTs to the chat platform; never raises for HTTP outcomes, it reports them."""

    async def send(self, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome: ...
