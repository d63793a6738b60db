"""The records the pipeline keeps and the store ports it keeps them through (app/db/stores implements them).

Every store writes what it is given in one transaction; ids of records created outside are stored before
the call that creates them, so a retry never duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from app.domain.crm_updates import ChatNotice
from app.ports.jobs import ClaimedJob


@dataclass(frozen=True, slots=True)
class ConversationState:
    """The conversation columns the pipeline reads (see ConversationRow for their meaning)."""

    id: UUID
    external_id: str
    url: str | None
    customer_name: str | None
    customer_email: str | None
    customer_phone: str | None
    status: str
    handoff_summary: str | None
    handoff_at: datetime | None
    handoff_applied_at: datetime | None
    case_id: UUID | None
    case_created_at: datetime | None
    contact_id: UUID | None
    contact_state: str
    case_status_applied: str | None
    autofill_fields: str | None
    autofill_for: datetime | None
    case_number: str | None
    subject_written: str | None
    symptoms_written: str | None
    subject_sending: str | None
    symptoms_sending: str | None
    case_text_edited_at: datetime | None
    connector_id: str | None = None

    @property
    def handoff_pending(self) -> bool:
        return self.handoff_at is not None and self.handoff_applied_at != self.handoff_at


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: UUID  # the Creatio Activity id
    author: str  # customer | ai | handoff | note
    text: str
    sent_at: datetime
    synced_at: datetime | None


@dataclass(frozen=True)
class ConversationSnapshot:
    conversation: ConversationState
    messages: tuple[StoredMessage, ...]  # every message, in sent_at order
    # A delivery to the chat connector's platform is being sent: the webhook echo of what it posts may be
    # among the new messages until its answer (the platform's message id) is recorded.
    delivery_in_flight: bool = False

    @property
    def unsynced(self) -> tuple[StoredMessage, ...]:
        return tuple(m for m in self.messages if m.synced_at is None)


@dataclass(frozen=True)
class Note:
    """A text Casebridge writes on the case as an activity (e.g. the auto-fill summary), stored once."""

    external_id: str
    text: str
    at: datetime


class ConversationStorePort(Protocol):
    """A conversation for the chat-to-CRM sync: read once, what was decided stored before the CRM call
    (ids, contact, auto-fill values and note), what reached the CRM stored after it."""

    async def load(self, conversation_id: UUID) -> ConversationSnapshot | None: ...

    async def prepare(
        self,
        conversation_id: UUID,
        values: Mapping[str, Any],
        note: Note | None = None,
        audit: Sequence[Mapping[str, Any]] = (),
    ) -> ConversationSnapshot: ...

    async def record_synced(
        self,
        conversation_id: UUID,
        message_ids: Sequence[UUID],
        values: Mapping[str, Any],
        job: ClaimedJob | None = None,
    ) -> None:
        """Mark the messages synced and set `values`; with `job`, mark it done in the same transaction."""
        ...


@dataclass(frozen=True)
class ConversationLink:
    """A conversation as the Creatio-to-chat check needs it."""

    conversation: ConversationState
    own_activity_ids: frozenset[UUID]  # every activity Casebridge wrote (the echo guard)
    delivered_activity_ids: frozenset[UUID]  # replies that already have a delivery
    status_notices: int  # resolved/reopened deliveries so far


@dataclass(frozen=True)
class NewDelivery:
    dedupe_key: str
    notice: ChatNotice


@dataclass(frozen=True)
class StatusUpdate:
    """Conversation fields to set with the deliveries (a resolution or reopening seen in the CRM)."""

    case_status_applied: str
    status: str | None = None  # None: leave the chat-side status as it is
    at: datetime | None = None


@dataclass(frozen=True)
class StoredDelivery:
    """A delivery as the sender needs it: its state, and the notice it sends (the same every attempt)."""

    id: UUID
    conversation_id: UUID
    state: str  # queued | retrying | delivered | failed
    notice: ChatNotice


class DeliveryStorePort(Protocol):
    """Deliveries to the chat platform: stored with their job, then sent and their outcome recorded."""

    async def link(self, conversation_id: UUID) -> ConversationLink | None: ...

    async def record(
        self, conversation_id: UUID, deliveries: Sequence[NewDelivery], status: StatusUpdate | None
    ) -> int:
        """Store the deliveries not stored yet (by dedupe key) with their jobs; returns how many."""
        ...

    async def load(self, delivery_id: UUID) -> StoredDelivery | None: ...

    async def begin_attempt(self, delivery_id: UUID) -> None: ...

    async def finish(
        self,
        delivery_id: UUID,
        state: str,
        *,
        status: int | None,
        error: str | None,
        platform_message_id: str | None = None,
    ) -> None:
        """Record an attempt's outcome; `platform_message_id`: the chat platform's id of the message the
        delivery posted, whose webhook echo is then dropped (by id)."""
        ...


@dataclass(frozen=True)
class ScanCursor:
    """Where a ModifiedOn scan stands; `backlog` means the last run stopped at its page cap."""

    at: datetime | None = None
    backlog: bool = False


@dataclass(frozen=True)
class ReconcileCursors:
    activities: ScanCursor = ScanCursor()
    cases: ScanCursor = ScanCursor()


@dataclass(frozen=True)
class LinkedCase:
    conversation_id: UUID
    status: str
    case_status_applied: str | None


class ReconcileStorePort(Protocol):
    """The reconciliation's state (one leased row with its cursors) and the lookups it needs."""

    async def acquire(
        self, owner: str, now: datetime, lease: timedelta, *, force: bool = False
    ) -> ReconcileCursors | None:
        """Take the reconciliation's lease if it is due and nobody holds it (one winner across processes)."""
        ...

    async def release(
        self, owner: str, cursors: ReconcileCursors, *, next_run_at: datetime, error: str | None
    ) -> None: ...

    async def linked(self, case_ids: Iterable[UUID]) -> dict[UUID, LinkedCase]:
        """The conversations of those cases that Casebridge created."""
        ...

    async def unseen_activities(self, activity_ids: Iterable[UUID]) -> set[UUID]:
        """Those ids that are neither Casebridge's own activities nor delivered already."""
        ...

    async def enqueue_checks(self, conversation_ids: Iterable[UUID]) -> int:
        """Queue a Creatio-to-chat check per conversation (one already queued is enough)."""
        ...


class AutofillAuditPort(Protocol):
    """What earlier auto-fills applied, so an agent's later edit is never overwritten."""

    async def applied_values(self, conversation_external_id: str) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class TrackedValue:
    """An auto-filled value on a case, as the audit holds it: the latest applied or suggested row of its
    case and column, once the handoff it was filled for has reached the case."""

    row_id: int
    case_id: UUID
    column: str
    outcome: str  # applied | suggested
    written: Any  # the value as (it would be) written to the column: a GUID string for lookups
    case_value: Any  # what the column held when Casebridge decided (None: unknown or empty)
    agent_value: Any  # what an agent set instead, or the suggestion an agent took up (None: neither)
    reviewed: bool  # what agents did with it is known (see AgentValue)


@dataclass(frozen=True, slots=True)
class AgentValue:
    """What a read of the case tells about one audit row. It is reviewed when an agent changed the value (or
    took the suggestion up), or when the case is done and still holds it (or not the suggestion)."""

    row_id: int
    agent_value: Any  # None: the column holds the applied value (or not the suggestion)
    agent_changed_at: datetime | None
    reviewed_at: datetime | None  # None: not reviewed yet


@dataclass(frozen=True, slots=True)
class FieldCounts:
    """One field's audit rows by what agents did with them."""

    field: str
    column: str
    applied: int = 0
    kept: int = 0  # applied, and the case was done with the column still holding it
    changed: int = 0  # applied, and an agent set another value
    suggested: int = 0
    suggestions_reviewed: int = 0
    taken_up: int = 0  # suggested, and an agent then set the column to it


class AgentEditsStorePort(Protocol):
    async def tracked_values(self, case_ids: Sequence[UUID]) -> list[TrackedValue]:
        """The values auto-filled on those cases that reached them (see TrackedValue)."""
        ...

    async def record_agent_values(self, values: Sequence[AgentValue]) -> None: ...
