"""In-memory stand-ins for the pipeline's ports (app/ports), for fast tests without HTTP or a database.

`InMemoryCreatio` holds contacts, cases, activities and statuses; `InMemoryCrm` (CrmPort) and
`InMemoryCaseReader` (CaseReaderPort) are its two faces, as the Creatio adapter has two. `InMemoryDatabase`
holds conversations, messages, deliveries, jobs and the reconciliation's row; the store ports and the job
queue are views of it, so what one store writes the others read, as over the real tables. Every answer is
derived from that state, and what the real systems refuse (an unknown column, a case whose contact does
not exist, a job finished by a worker that lost its lease) is refused or ignored here the same way.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar
from uuid import UUID, uuid4

from app.db.stores.deliveries import delivery_queue_key
from app.db.stores.intake import conversation_queue_key
from app.db.tables import ConversationRow, JobRow
from app.domain.case import ActivityDraft, CaseChanges, CaseDraft, CaseRef, CustomerIdentity
from app.domain.creatio_ids import ActivityTypeIds, CaseStatusIds, RoleIds
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
from app.domain.events import (
    CHAT_EVENT,
    ChatEvent,
    MessageCreated,
    effect_of,
)
from app.domain.transcript import Transcript
from app.ports.chat_platforms import CheckResult, ConnectorConfig, Translation, WebhookRefused
from app.ports.errors import PermanentFailure, PipelineError
from app.ports.external import AutofillResult, CaseReaderPort, CrmPort, SyncSettings
from app.ports.jobs import ClaimedJob, JobKind
from app.ports.stores import (
    AgentValue,
    ConversationLink,
    ConversationSnapshot,
    ConversationState,
    LinkedCase,
    NewDelivery,
    Note,
    ReconcileCursors,
    StatusUpdate,
    StoredDelivery,
    StoredMessage,
    TrackedValue,
)
from app.sandbox.ids import SandboxIds

T = TypeVar("T")

# Creatio's seeded lookup GUIDs (the sandbox seeds the same ones: app/sandbox/ids.py).
STATUS_NEW = CaseStatusIds.NEW
STATUS_IN_PROGRESS = CaseStatusIds.IN_PROGRESS
STATUS_REOPENED = CaseStatusIds.REOPENED
STATUS_RESOLVED = CaseStatusIds.RESOLVED
STATUS_CLOSED = CaseStatusIds.CLOSED
TYPE_TASK = ActivityTypeIds.TASK  # what Casebridge writes
TYPE_EMAIL = ActivityTypeIds.EMAIL  # how agents reply
FIRST_LINE = RoleIds.FIRST_LINE
SECOND_LINE = RoleIds.SECOND_LINE
INTEGRATION_CONTACT = SandboxIds.TECH_CONTACT  # the technical user's contact
AGENT_MARIA = SandboxIds.AGENT_1_CONTACT

SEEDED_STATUSES = (
    CaseStatusInfo(STATUS_NEW, "New", is_resolved=False, is_final=False),
    CaseStatusInfo(STATUS_IN_PROGRESS, "In progress", is_resolved=False, is_final=False),
    CaseStatusInfo(STATUS_REOPENED, "Reopened", is_resolved=False, is_final=False),
    CaseStatusInfo(STATUS_RESOLVED, "Resolved", is_resolved=True, is_final=False),
    CaseStatusInfo(STATUS_CLOSED, "Closed", is_resolved=False, is_final=True),
)
MAX_REPLIES = 1000  # as the Creatio reader: activities read per case


async def io() -> None:
    """Every port call is I/O: other tasks may run before it, as they do against HTTP and a database
    (the call itself is then atomic, like one request or one transaction)."""
    await asyncio.sleep(0)


def utcnow() -> datetime:
    """The real clock, as the job runner and the reconciliation read it; tests let time pass with
    `InMemoryDatabase.let_time_pass`, which moves what is scheduled earlier instead."""
    return datetime.now(UTC)


# --- Creatio -------------------------------------------------------------------------------------------


@dataclass
class ContactRecord:
    id: UUID
    name: str
    email: str | None
    phone: str | None
    created_on: datetime


@dataclass
class CaseRecord:
    id: UUID
    number: str
    subject: str
    symptoms: str
    contact_id: UUID | None
    owner_id: UUID | None
    group_id: UUID | None
    status_id: UUID
    from_chat: bool  # Origin "Chat": the reconciliation's case scan reads only those
    fields: dict[str, Any]
    created_on: datetime
    modified_on: datetime
    modified_by: UUID


@dataclass
class ActivityRecord:
    id: UUID
    case_id: UUID
    type_id: UUID
    title: str
    body: str
    start: datetime
    contact_id: UUID | None
    created_by: UUID
    sender_id: UUID | None
    incoming: bool
    created_on: datetime
    modified_on: datetime


@dataclass
class _Fault:
    error: PipelineError
    remaining: int
    calls: frozenset[str]  # empty: every call
    after_write: bool


def _port_methods(port: type, prefix: str) -> frozenset[str]:
    return frozenset(f"{prefix}.{name}" for name in vars(port) if not name.startswith("_"))


CALL_NAMES = _port_methods(CrmPort, "crm") | _port_methods(CaseReaderPort, "reader")


class InMemoryCreatio:
    """Creatio's records as the ports see them. What goes through the ports is written as the
    integration user; `agent_reply`, `set_status`, `reassign` and `edit_text` act as an agent in Creatio's
    UI."""

    def __init__(self, *, integration_contact_id: UUID = INTEGRATION_CONTACT) -> None:
        self.integration_contact_id = integration_contact_id
        self.contacts: dict[UUID, ContactRecord] = {}
        self.cases: dict[UUID, CaseRecord] = {}
        self.activities: dict[UUID, ActivityRecord] = {}
        self.statuses: dict[UUID, CaseStatusInfo] = {s.id: s for s in SEEDED_STATUSES}
        self.activity_types: dict[str, UUID] = {"Task": TYPE_TASK, "Email": TYPE_EMAIL}
        self.calls: list[str] = []  # every port call, e.g. "crm.create_case"
        self.writes: list[tuple[str, bool]] = []  # (call, verify_existing) of every write call
        # Creates of an Id that existed already: Creatio refuses them (the adapter then reads the record
        # back and carries on), so the data stays right, but a correct pipeline never sends one.
        self.duplicate_creates: list[tuple[str, UUID]] = []
        self._faults: list[_Fault] = []
        self._numbers = itertools.count(1)
        self._last_stamp = datetime.min.replace(tzinfo=UTC)
        self.add_contact("Casebridge Integration", contact_id=integration_contact_id)
        self.add_contact("Maria Lopez", email="maria.lopez@example.com", contact_id=AGENT_MARIA)

    # Faults ---------------------------------------------------------------------------------------

    def fail_next(
        self, count: int, error: PipelineError, *, calls: Iterable[str] = (), after_write: bool = False
    ) -> None:
        """The next `count` port calls (those named, e.g. "crm.create_case"; any if none) raise `error`;
        with `after_write` only once their write took effect (the answer was lost on the way back)."""
        names = frozenset(calls)
        unknown = names - CALL_NAMES
        if unknown:
            raise ValueError(f"no such port call: {sorted(unknown)}; known: {sorted(CALL_NAMES)}")
        self._faults.append(_Fault(error, count, names, after_write))

    @property
    def pending_faults(self) -> int:
        return sum(f.remaining for f in self._faults)

    async def run(self, call: str, work: Callable[[], T]) -> T:
        """One port call: logged, then `work` (atomic: it either changes state or raises), with faults."""
        await io()
        self.calls.append(call)
        fault = next((f for f in self._faults if f.remaining and (not f.calls or call in f.calls)), None)
        if fault is not None:
            fault.remaining -= 1
            if not fault.after_write:
                raise copy.copy(fault.error)
        result = work()
        if fault is not None:
            raise copy.copy(fault.error)
        return result

    # Records --------------------------------------------------------------------------------------

    def stamp(self) -> datetime:
        """Now, strictly after every earlier stamp (CreatedOn/ModifiedOn order is what the reader sees)."""
        self._last_stamp = max(utcnow(), self._last_stamp + timedelta(microseconds=1))
        return self._last_stamp

    def next_number(self) -> str:
        return f"SR{next(self._numbers):08d}"

    def add_contact(
        self, name: str, *, email: str | None = None, phone: str | None = None, contact_id: UUID | None = None
    ) -> UUID:
        contact_id = contact_id or uuid4()
        self.contacts[contact_id] = ContactRecord(contact_id, name, email, phone, self.stamp())
        return contact_id

    def status_named(self, name: str) -> UUID:
        [status_id] = [s.id for s in self.statuses.values() if s.name == name]
        return status_id

    def case(self, case_id: UUID | None) -> CaseRecord:
        if case_id is None or case_id not in self.cases:
            raise LookupError(f"no case {case_id} in Creatio")
        return self.cases[case_id]

    def activities_of(self, case_id: UUID | None) -> list[ActivityRecord]:
        """The case's activities as an agent sees them: by start date, then creation."""
        found = [a for a in self.activities.values() if a.case_id == case_id]
        return sorted(found, key=lambda a: (a.start, a.created_on))

    # An agent in Creatio ------------------------------------------------------------------------------

    def agent_reply(
        self,
        case_id: UUID | None,
        text: str,
        *,
        agent: UUID = AGENT_MARIA,
        type_name: str = "Email",
        incoming: bool = False,
        at: datetime | None = None,
    ) -> UUID:
        """An activity on the case (an outgoing e-mail by default); `at` backdates it."""
        case = self.case(case_id)
        stamp = at or self.stamp()
        activity_id = uuid4()
        self.activities[activity_id] = ActivityRecord(
            activity_id,
            case.id,
            self.activity_types[type_name],
            text[:250],
            text,
            stamp,
            case.contact_id,
            created_by=agent,
            sender_id=agent,
            incoming=incoming,
            created_on=stamp,
            modified_on=stamp,
        )
        return activity_id

    def set_status(self, case_id: UUID | None, name: str, *, by: UUID = AGENT_MARIA) -> None:
        case = self.case(case_id)
        case.status_id = self.status_named(name)
        case.modified_on, case.modified_by = self.stamp(), by

    def reassign(
        self, case_id: UUID | None, *, owner_id: UUID | None, group_id: UUID | None, by: UUID = AGENT_MARIA
    ) -> None:
        case = self.case(case_id)
        case.owner_id, case.group_id = owner_id, group_id
        case.modified_on, case.modified_by = self.stamp(), by

    def edit_text(
        self,
        case_id: UUID | None,
        *,
        subject: str | None = None,
        symptoms: str | None = None,
        by: UUID = AGENT_MARIA,
    ) -> None:
        """An agent rewrites the case's Subject and/or Symptoms."""
        case = self.case(case_id)
        case.subject = subject if subject is not None else case.subject
        case.symptoms = symptoms if symptoms is not None else case.symptoms
        case.modified_on, case.modified_by = self.stamp(), by


class InMemoryCrm:
    """CrmPort on an InMemoryCreatio, with the Creatio adapter's idempotency: records whose Id exists are
    not created again (without `verify_existing` that is logged in `duplicate_creates`); with
    `verify_existing` a case that exists is patched with the draft's values instead."""

    def __init__(self, creatio: InMemoryCreatio) -> None:
        self._creatio = creatio

    async def find_contact(self, customer: CustomerIdentity, match_on: Sequence[str]) -> UUID | None:
        def find() -> UUID | None:
            by_age = sorted(self._creatio.contacts.values(), key=lambda c: c.created_on)
            for name in match_on:
                wanted = {"email": customer.email, "phone": customer.phone}[name]  # KeyError: unknown field
                if not wanted:
                    continue
                for contact in by_age:
                    if (contact.email if name == "email" else contact.phone) == wanted:
                        return contact.id
            return None

        return await self._creatio.run("crm.find_contact", find)

    async def create_case(
        self,
        case: CaseDraft,
        activities: Sequence[ActivityDraft],
        *,
        new_contact: tuple[UUID, CustomerIdentity] | None,
        verify_existing: bool,
    ) -> CaseRef:
        creatio = self._creatio

        def create() -> CaseRef:
            contacts = set(creatio.contacts) | ({new_contact[0]} if new_contact else set())
            cases = set(creatio.cases) | {case.id}
            self._check_references((case.contact_id, case.owner_id), contacts, activities, cases)
            self._check_status(case.status_id)
            if new_contact is not None:
                self._create_contact(*new_contact, verify_existing)
            existing = creatio.cases.get(case.id)
            if existing is None:
                now = creatio.stamp()
                creatio.cases[case.id] = CaseRecord(
                    case.id,
                    creatio.next_number(),
                    case.subject,
                    case.symptoms,
                    case.contact_id,
                    case.owner_id,
                    case.group_id,
                    case.status_id or STATUS_NEW,
                    from_chat=True,
                    fields=dict(case.fields),
                    created_on=now,
                    modified_on=now,
                    modified_by=creatio.integration_contact_id,
                )
            elif verify_existing:
                changes = CaseChanges(
                    case.owner_id, case.group_id, case.status_id, case.fields, case.subject, case.symptoms
                )
                self._patch(existing, changes)
                if case.contact_id is not None:
                    existing.contact_id = case.contact_id
            else:
                creatio.duplicate_creates.append(("Case", case.id))
            for draft in activities:
                self._create_activity(draft, verify_existing)
            return CaseRef(case.id, creatio.cases[case.id].number)

        creatio.writes.append(("crm.create_case", verify_existing))
        return await creatio.run("crm.create_case", create)

    async def update_case(
        self,
        case_id: UUID,
        changes: CaseChanges,
        activities: Sequence[ActivityDraft],
        *,
        verify_existing: bool,
    ) -> None:
        creatio = self._creatio

        def update() -> None:
            if case_id not in creatio.cases:
                raise PermanentFailure(f"Creatio answered 404: no Case {case_id}")
            self._check_references((changes.owner_id,), set(creatio.contacts), activities, set(creatio.cases))
            self._check_status(changes.status_id)
            if not changes.is_empty():
                self._patch(creatio.cases[case_id], changes)
            for draft in activities:
                self._create_activity(draft, verify_existing)

        creatio.writes.append(("crm.update_case", verify_existing))
        await creatio.run("crm.update_case", update)

    async def read_case(self, case_id: UUID, columns: Sequence[str]) -> Mapping[str, Any] | None:
        def read() -> Mapping[str, Any] | None:
            case = self._creatio.cases.get(case_id)
            if case is None:
                return None
            known = {
                "Id": case.id,
                "Number": case.number,
                "Subject": case.subject,
                "Symptoms": case.symptoms,
                "ContactId": case.contact_id,
                "OwnerId": case.owner_id,
                "GroupId": case.group_id,
                "StatusId": case.status_id,
                "ModifiedOn": case.modified_on,
            } | case.fields
            return {name: known.get(name) for name in ("Id", *columns)}  # columns never set read as null

        return await self._creatio.run("crm.read_case", read)

    async def status_id_by_name(self, name: str) -> UUID | None:
        def find() -> UUID | None:
            return next((s.id for s in self._creatio.statuses.values() if s.name == name), None)

        return await self._creatio.run("crm.status_id_by_name", find)

    def _check_references(
        self,
        contact_ids: Iterable[UUID | None],
        contacts: set[UUID],
        activities: Sequence[ActivityDraft],
        cases: set[UUID],
    ) -> None:
        """What Creatio's foreign keys refuse (ContactId, OwnerId and an activity's CaseId), checked
        before anything is written."""
        for contact_id in contact_ids:
            if contact_id is not None and contact_id not in contacts:
                raise PermanentFailure(f"Creatio refused the case: no Contact {contact_id}")
        for draft in activities:
            if draft.case_id not in cases:
                raise PermanentFailure(f"Creatio refused activity {draft.id}: CaseId {draft.case_id} missing")
            if draft.contact_id is not None and draft.contact_id not in contacts:
                raise PermanentFailure(f"Creatio refused activity {draft.id}: no contact {draft.contact_id}")

    def _check_status(self, status_id: UUID | None) -> None:
        if status_id is not None and status_id not in self._creatio.statuses:
            raise PermanentFailure(f"Creatio refused the case: no CaseStatus {status_id}")

    def _create_contact(self, contact_id: UUID, customer: CustomerIdentity, verify_existing: bool) -> None:
        creatio = self._creatio
        if contact_id in creatio.contacts:
            if not verify_existing:
                creatio.duplicate_creates.append(("Contact", contact_id))
            return
        name = customer.name or customer.email or customer.phone or "Chat customer"
        creatio.contacts[contact_id] = ContactRecord(
            contact_id, name[:250], customer.email, customer.phone, creatio.stamp()
        )

    def _create_activity(self, draft: ActivityDraft, verify_existing: bool) -> None:
        creatio = self._creatio
        if draft.id in creatio.activities:
            if not verify_existing:
                creatio.duplicate_creates.append(("Activity", draft.id))
            return
        now = creatio.stamp()
        creatio.activities[draft.id] = ActivityRecord(
            draft.id,
            draft.case_id,
            TYPE_TASK,
            draft.title[:250],
            draft.body,
            draft.at,
            draft.contact_id,
            created_by=creatio.integration_contact_id,
            sender_id=None,
            incoming=False,
            created_on=now,
            modified_on=now,
        )

    def _patch(self, case: CaseRecord, changes: CaseChanges) -> None:
        """Only the values given are written (the adapter leaves None out of the PATCH body)."""
        case.subject = changes.subject if changes.subject is not None else case.subject
        case.symptoms = changes.symptoms if changes.symptoms is not None else case.symptoms
        case.owner_id = changes.owner_id or case.owner_id
        case.group_id = changes.group_id or case.group_id
        case.status_id = changes.status_id or case.status_id
        case.fields.update(changes.fields)
        case.modified_on, case.modified_by = self._creatio.stamp(), self._creatio.integration_contact_id


class InMemoryCaseReader:
    """CaseReaderPort on an InMemoryCreatio: what the Creatio case reader reads over OData."""

    def __init__(self, creatio: InMemoryCreatio) -> None:
        self._creatio = creatio

    async def read_case(self, case_id: UUID) -> CaseState | None:
        def read() -> CaseState | None:
            case = self._creatio.cases.get(case_id)
            if case is None:
                return None
            status = self._creatio.statuses.get(case.status_id)
            return CaseState(case.id, case.number, status, case.modified_on, dict(case.fields))

        return await self._creatio.run("reader.read_case", read)

    async def replies(self, case_id: UUID, type_ids: Sequence[UUID]) -> list[CrmActivity]:
        def replies() -> list[CrmActivity]:
            rows = [
                a for a in self._creatio.activities.values() if a.case_id == case_id and a.type_id in type_ids
            ]
            rows.sort(key=lambda a: a.created_on)
            return [
                CrmActivity(
                    a.id,
                    a.created_on,
                    a.created_by,
                    a.sender_id or a.created_by,
                    a.incoming,
                    a.body or a.title,
                )
                for a in rows[:MAX_REPLIES]
            ]

        return await self._creatio.run("reader.replies", replies)

    async def contact_name(self, contact_id: UUID) -> str | None:
        def name() -> str | None:
            contact = self._creatio.contacts.get(contact_id)
            return contact.name if contact else None

        return await self._creatio.run("reader.contact_name", name)

    async def status(self, status_id: UUID) -> CaseStatusInfo | None:
        return await self._creatio.run("reader.status", lambda: self._creatio.statuses.get(status_id))

    async def activity_type_ids(self, names: Sequence[str]) -> tuple[UUID, ...]:
        def ids() -> tuple[UUID, ...]:
            by_name = {name.lower(): type_id for name, type_id in self._creatio.activity_types.items()}
            found: list[UUID] = []
            for name in names:
                try:
                    found.append(UUID(name))
                    continue
                except ValueError:
                    pass
                if name.lower() not in by_name:
                    raise PermanentFailure(f"Creatio has no activity type named {name!r}")
                found.append(by_name[name.lower()])
            return tuple(dict.fromkeys(found))

        return await self._creatio.run("reader.activity_type_ids", ids)

    async def changed_activities(
        self, since: datetime, type_ids: Sequence[UUID], *, top: int, skip: int
    ) -> list[ActivityChange]:
        def page() -> list[ActivityChange]:
            rows = [
                a
                for a in self._creatio.activities.values()
                if a.modified_on >= since and a.type_id in type_ids
            ]
            rows.sort(key=lambda a: (a.modified_on, a.id))
            return [
                ActivityChange(a.id, a.case_id, a.modified_on, a.created_by) for a in rows[skip : skip + top]
            ]

        return await self._creatio.run("reader.changed_activities", page)

    async def changed_cases(self, since: datetime, *, top: int, skip: int) -> list[CaseChange]:
        def page() -> list[CaseChange]:
            rows = [c for c in self._creatio.cases.values() if c.modified_on >= since and c.from_chat]
            rows.sort(key=lambda c: (c.modified_on, c.id))
            return [
                CaseChange(c.id, c.status_id, c.modified_on, dict(c.fields)) for c in rows[skip : skip + top]
            ]

        return await self._creatio.run("reader.changed_cases", page)


class InMemoryConnection:
    """CurrentCrm: the saved connection's CRM and its settings; `connected = False`: none saved yet."""

    def __init__(
        self, creatio: InMemoryCreatio, settings: SyncSettings | None = None, *, connected: bool = True
    ) -> None:
        self.crm = InMemoryCrm(creatio)
        self.reader = InMemoryCaseReader(creatio)
        self.settings = settings or SyncSettings()
        self.connected = connected

    def current(self) -> tuple[CrmPort, SyncSettings] | None:
        return (self.crm, self.settings) if self.connected else None


class InMemoryCaseReaders:
    """CaseReaderSource on the same connection (as CaseReaders wraps the connection service)."""

    def __init__(self, connection: InMemoryConnection) -> None:
        self._connection = connection

    def current(self) -> tuple[CaseReaderPort, SyncSettings] | None:
        if not self._connection.connected:
            return None
        return self._connection.reader, self._connection.settings


# --- The chat platform and the auto-fill -----------------------------------------------------------------


def delivered(status: int = 200) -> DeliveryOutcome:
    return DeliveryOutcome(delivered=True, retryable=False, status=status)


def unreachable() -> DeliveryOutcome:
    return DeliveryOutcome(False, True, None, "could not reach the chat platform: connection refused")


def throttled(status: int = 503, retry_after: float | None = None) -> DeliveryOutcome:
    return DeliveryOutcome(False, True, status, f"the chat platform answered {status}", retry_after)


def refused(status: int = 404) -> DeliveryOutcome:
    return DeliveryOutcome(False, False, status, f"the chat platform answered {status}: not today")


@dataclass(frozen=True)
class Sent:
    delivery_id: UUID
    notice: ChatNotice
    outcome: DeliveryOutcome


class InMemoryChat:
    """ChatPort: records every send; answers the outcomes queued with `answer_next`, then `default`."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.default = delivered()
        self._next: deque[DeliveryOutcome] = deque()

    def answer_next(self, *outcomes: DeliveryOutcome) -> None:
        self._next.extend(outcomes)

    @property
    def accepted(self) -> list[ChatNotice]:
        """What the platform took: what the customer sees."""
        return [s.notice for s in self.sent if s.outcome.delivered]

    async def send(self, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome:
        await io()
        outcome = self._next.popleft() if self._next else self.default
        self.sent.append(Sent(delivery_id, notice, outcome))
        return outcome


class InMemoryChatConnectors:
    """ChatConnectorSource: the saved chat connectors, by id."""

    def __init__(self, *configs: ConnectorConfig) -> None:
        self.configs = {config.id: config for config in configs}

    async def get(self, connector_id: str) -> ConnectorConfig | None:
        await io()
        return self.configs.get(connector_id)


class RecordingChatPlatform:
    """ChatPlatform: records what it sends (with the connector's id) and answers `default`; its webhooks
    translate to `translation`, verified unless `refusal` is set."""

    def __init__(self, name: str = "recording") -> None:
        self.name = name
        self.events_to_subscribe: tuple[str, ...] = ("message",)
        self.sent: list[tuple[str, ChatNotice]] = []
        self.default = delivered()
        self.translation = Translation(ignored="nothing scripted")
        self.refusal: str | None = None

    def verify(self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes, now: float) -> None:
        if self.refusal is not None:
            raise WebhookRefused(self.refusal)

    def translate(self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes) -> Translation:
        return self.translation

    async def send(self, config: ConnectorConfig, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome:
        await io()
        self.sent.append((config.id, notice))
        return self.default

    async def test(self, config: ConnectorConfig) -> Sequence[CheckResult]:
        await io()
        return [CheckResult("recording", "passed", "nothing to check")]


class ScriptedAutofill:
    """AutofillPort: answers `result` (or raises `error`) and records what it was asked."""

    def __init__(self, result: AutofillResult | None = None, error: Exception | None = None) -> None:
        self.result = result or AutofillResult()
        self.error = error
        self.calls: list[tuple[Transcript, UUID | None]] = []

    async def fill(self, transcript: Transcript, case_id: UUID | None, crm: CrmPort) -> AutofillResult:
        await io()
        self.calls.append((transcript, case_id))
        if self.error is not None:
            raise self.error
        return self.result


# --- Casebridge's database -----------------------------------------------------------------------------

CONVERSATION_COLUMNS = frozenset(ConversationRow.model_fields)
DELIVERY_STATES = ("queued", "retrying", "delivered", "failed")
STATUS_KINDS = ("conversation.resolved", "conversation.reopened")
ACTIVE_JOB_STATES = ("queued", "running")
IntakeOutcome = Literal["accepted", "duplicate"]


@dataclass
class MessageRecord:
    id: UUID  # also the id of its activity in Creatio
    conversation_id: UUID
    external_id: str
    author: str
    text: str
    sent_at: datetime
    created_at: datetime
    synced_at: datetime | None = None


@dataclass
class DeliveryRecord:
    id: UUID
    conversation_id: UUID
    dedupe_key: str
    notice: ChatNotice
    created_at: datetime
    state: str = "queued"
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    platform_message_id: str | None = None
    attempt_started_at: datetime | None = None


@dataclass
class JobRecord:
    id: int
    kind: str
    queue_key: str | None
    payload: str  # JSON, as stored
    run_after: datetime
    updated_at: datetime
    state: str = "queued"  # queued | running | done | dead
    attempts: int = 0
    max_attempts: int = JobRow.model_fields["max_attempts"].default
    leased_until: datetime | None = None
    lease_owner: str | None = None
    last_error: str | None = None


@dataclass
class ReconcileRecord:
    cursors: ReconcileCursors
    next_run_at: datetime
    leased_until: datetime | None = None
    lease_owner: str | None = None
    last_run_at: datetime | None = None
    last_error: str | None = None


class InMemoryDatabase:
    """Casebridge's tables. `receive` is the intake (what POST /api/v1/events stores and enqueues) and
    `enqueue_case_check` what the Creatio webhook does; the ports below read and write the rest."""

    def __init__(self) -> None:
        self.conversations: dict[UUID, dict[str, Any]] = {}  # ConversationRow's columns
        self.messages: dict[UUID, MessageRecord] = {}
        self.event_ids: set[str] = set()
        self.deliveries: dict[UUID, DeliveryRecord] = {}
        self.jobs: dict[int, JobRecord] = {}
        self.audit: list[dict[str, Any]] = []  # autofill_audit rows
        self.reconcile = ReconcileRecord(ReconcileCursors(), next_run_at=utcnow())  # seeded due, as migrated
        self.chat_enabled_since: datetime | None = None
        self._job_ids = itertools.count(1)

    # Reading, for tests ---------------------------------------------------------------------------

    def conversation(self, external_id: str) -> dict[str, Any]:
        [row] = [row for row in self.conversations.values() if row["external_id"] == external_id]
        return row

    def state(self, conversation_id: UUID) -> ConversationState:
        row = self.conversations[conversation_id]
        return ConversationState(**{f.name: row[f.name] for f in fields(ConversationState)})

    def messages_of(self, conversation_id: UUID) -> list[MessageRecord]:
        found = [m for m in self.messages.values() if m.conversation_id == conversation_id]
        return sorted(found, key=lambda m: (m.sent_at, m.created_at, m.id))

    def jobs_of(self, kind: str) -> list[JobRecord]:
        return [job for job in self.jobs.values() if job.kind == kind]

    def deliveries_of(self, conversation_id: UUID) -> list[DeliveryRecord]:
        found = [d for d in self.deliveries.values() if d.conversation_id == conversation_id]
        return sorted(found, key=lambda d: d.created_at)

    # Writing ------------------------------------------------------------------------------------------

    def update_conversation(self, conversation_id: UUID, values: Mapping[str, Any]) -> None:
        unknown = set(values) - CONVERSATION_COLUMNS
        if unknown or "id" in values:
            raise ValueError(f"conversations has no settable column(s) {sorted(unknown or {'id'})}")
        if values:
            self.conversations[conversation_id].update(values, updated_at=utcnow())

    def add_message(
        self, conversation_id: UUID, external_id: str, author: str, text: str, sent_at: datetime
    ) -> None:
        assert not self.has_message(conversation_id, external_id), "message ids are unique per conversation"
        message = MessageRecord(uuid4(), conversation_id, external_id, author, text, sent_at, utcnow())
        self.messages[message.id] = message

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        queue_key: str | None = None,
        coalesce: bool = False,
        run_after: datetime | None = None,
    ) -> bool:
        """Add a job; with `coalesce`, a queued twin (same kind, key and payload) makes this a no-op."""
        body = json.dumps(payload, sort_keys=True)
        if coalesce and any(
            (j.kind, j.queue_key, j.payload, j.state) == (kind, queue_key, body, "queued")
            for j in self.jobs.values()
        ):
            return False
        now = utcnow()
        job_id = next(self._job_ids)
        self.jobs[job_id] = JobRecord(job_id, kind, queue_key, body, run_after or now, now)
        return True

    def enqueue_check(self, conversation_id: UUID) -> None:
        self.enqueue(
            JobKind.CRM_TO_CHAT,
            {"conversation_id": str(conversation_id)},
            queue_key=conversation_queue_key(conversation_id),
            coalesce=True,
        )

    def enqueue_case_check(self, case_id: UUID | None) -> UUID | None:
        """What the Creatio webhook does for a case: queue its conversation's check (None: no such case)."""
        found = next((cid for cid, row in self.conversations.items() if row["case_id"] == case_id), None)
        if found is not None:
            self.enqueue_check(found)
        return found

    def finish_job(self, job: ClaimedJob, worker: str, state: str, **values: Any) -> bool:
        """Only the lease holder may finish a job: a worker whose lease expired lost it."""
        record = self.jobs.get(job.id)
        if record is None or record.state != "running" or record.lease_owner != worker:
            return False
        record.state, record.leased_until, record.lease_owner = state, None, None
        record.updated_at = utcnow()
        for name, value in values.items():
            setattr(record, name, value)
        return True

    def let_time_pass(self, seconds: float) -> None:
        """As if `seconds` passed: what is scheduled or leased falls due that much sooner."""
        step = timedelta(seconds=seconds)
        for job in self.jobs.values():
            job.run_after -= step
            job.leased_until = job.leased_until - step if job.leased_until else None
        self.reconcile.next_run_at -= step
        self.reconcile.leased_until = (
            self.reconcile.leased_until - step if self.reconcile.leased_until else None
        )

    # The intake ------------------------------------------------------------------------------------

    def receive(self, event: ChatEvent | Mapping[str, Any]) -> IntakeOutcome:
        """Store a chat event and enqueue its conversation's sync (due at once); a repeat changes nothing."""
        parsed = CHAT_EVENT.validate_python(event) if isinstance(event, Mapping) else event
        existing = self._conversation_id(parsed.conversation.id)
        if parsed.id in self.event_ids:
            return "duplicate"
        if isinstance(parsed, MessageCreated) and existing and self.has_message(existing, parsed.message.id):
            return "duplicate"  # the message's unique index refuses it, and the whole event with it
        self.event_ids.add(parsed.id)
        conversation_id = self._upsert_conversation(parsed, existing)
        self._apply(conversation_id, parsed)
        self.enqueue(
            JobKind.SYNC_CONVERSATION,
            {"conversation_id": str(conversation_id)},
            queue_key=conversation_queue_key(conversation_id),
            coalesce=True,
        )
        return "accepted"

    def _conversation_id(self, external_id: str) -> UUID | None:
        return next(
            (cid for cid, row in self.conversations.items() if row["external_id"] == external_id), None
        )

    def has_message(self, conversation_id: UUID, external_id: str) -> bool:
        return any(
            (m.conversation_id, m.external_id) == (conversation_id, external_id)
            for m in self.messages.values()
        )

    def _upsert_conversation(self, event: ChatEvent, existing: UUID | None) -> UUID:
        info = event.conversation
        known = {
            "channel": info.channel,
            "url": str(info.url) if info.url else None,
            "customer_name": info.customer.name,
            "customer_email": info.customer.email,
            "customer_phone": info.customer.phone,
        }
        if existing is None:
            now = utcnow()
            # The table's column defaults (read, not instantiated: that would configure every mapper).
            defaults = {
                n: f.get_default(call_default_factory=True) for n, f in ConversationRow.model_fields.items()
            }
            row = defaults | known | {"external_id": info.id, "created_at": now, "updated_at": now}
            conversation_id: UUID = row["id"]
            self.conversations[conversation_id] = row
            return conversation_id
        # Known fields are kept when an event leaves them out.
        self.update_conversation(
            existing, {name: value for name, value in known.items() if value is not None}
        )
        return existing

    def _apply(self, conversation_id: UUID, event: ChatEvent) -> None:
        row = self.conversations[conversation_id]
        effect = effect_of(event, row["status"], row["status_changed_at"])
        if (m := effect.message) is not None:
            self.add_message(conversation_id, m.external_id, m.author, m.text, m.sent_at)
        self.update_conversation(conversation_id, effect.changes)


class InMemoryConversationStore:
    """ConversationStorePort on an InMemoryDatabase."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def load(self, conversation_id: UUID) -> ConversationSnapshot | None:
        await io()
        if conversation_id not in self._db.conversations:
            return None
        return self._snapshot(conversation_id)

    async def prepare(
        self,
        conversation_id: UUID,
        values: Mapping[str, Any],
        note: Note | None = None,
        audit: Sequence[Mapping[str, Any]] = (),
    ) -> ConversationSnapshot:
        await io()
        self._db.update_conversation(conversation_id, values)
        now = utcnow()
        self._db.audit.extend({"created_at": now, **row} for row in audit)
        if note is not None and not self._db.has_message(conversation_id, note.external_id):
            self._db.add_message(conversation_id, note.external_id, "note", note.text, note.at)
        return self._snapshot(conversation_id)  # read again in the same transaction

    async def record_synced(
        self,
        conversation_id: UUID,
        message_ids: Sequence[UUID],
        values: Mapping[str, Any],
        job: ClaimedJob | None = None,
    ) -> None:
        await io()
        now = utcnow()
        for message_id in message_ids:
            self._db.messages[message_id].synced_at = now
        self._db.update_conversation(conversation_id, values)
        if job is not None:
            self._db.finish_job(job, job.worker, "done")

    def _snapshot(self, conversation_id: UUID) -> ConversationSnapshot:
        messages = tuple(
            StoredMessage(m.id, m.author, m.text, m.sent_at, m.synced_at)
            for m in self._db.messages_of(conversation_id)
        )
        state = self._db.state(conversation_id)
        in_flight = state.connector_id is not None and any(
            d.conversation_id == conversation_id and d.attempt_started_at is not None
            for d in self._db.deliveries.values()
        )
        return ConversationSnapshot(state, messages, in_flight)


class InMemoryAutofillAudit:
    """AutofillAuditPort: per column, the value the last applied auto-fill wrote."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def applied_values(self, conversation_external_id: str) -> dict[str, str]:
        await io()
        rows = [
            r
            for r in self._db.audit
            if r["conversation_external_id"] == conversation_external_id and r["outcome"] == "applied"
        ]
        return {r["column"]: r.get("lookup_id") or r.get("value") or "" for r in rows}

    async def tracked_values(self, case_ids: Sequence[UUID]) -> list[TrackedValue]:
        """AgentEditsStorePort: row ids are positions in `db.audit`."""
        await io()
        wanted = set(case_ids)
        reached = {
            c["external_id"]: c["case_id"]
            for c in self._db.conversations.values()
            if c["case_id"] in wanted
            and c["handoff_at"] is not None
            and c["handoff_applied_at"] == c["handoff_at"]
        }
        latest: dict[tuple[UUID, str], int] = {}
        for index, row in enumerate(self._db.audit):
            case_id = reached.get(row["conversation_external_id"])
            if case_id is not None and row["outcome"] in ("applied", "suggested"):
                latest[(case_id, row["column"])] = index
        return [self._tracked(case_id, index) for (case_id, _column), index in latest.items()]

    async def record_agent_values(self, values: Sequence[AgentValue]) -> None:
        await io()
        for value in values:
            self._db.audit[value.row_id].update(
                agent_value=None if value.agent_value is None else json.dumps(value.agent_value),
                agent_changed_at=value.agent_changed_at,
                reviewed_at=value.reviewed_at,
            )

    def _tracked(self, case_id: UUID, index: int) -> TrackedValue:
        row = self._db.audit[index]
        written = row.get("column_value")
        return TrackedValue(
            row_id=index,
            case_id=case_id,
            column=row["column"],
            outcome=row["outcome"],
            written=json.loads(written) if written is not None else row.get("lookup_id") or row.get("value"),
            case_value=json.loads(row["case_value"]) if row.get("case_value") is not None else None,
            agent_value=json.loads(row["agent_value"]) if row.get("agent_value") is not None else None,
            reviewed=row.get("reviewed_at") is not None,
        )


class RecordingObserver:
    """CaseValuesObserver: keeps what it was told."""

    def __init__(self) -> None:
        self.observed: list[CaseValues] = []

    async def observe(self, cases: Sequence[CaseValues]) -> None:
        await io()
        self.observed.extend(cases)


class InMemoryDeliveryStore:
    """DeliveryStorePort on an InMemoryDatabase: deliveries unique by dedupe key, each with its job."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def chat_enabled_since(self, now: datetime) -> datetime:
        await io()
        if self._db.chat_enabled_since is None:
            self._db.chat_enabled_since = now
        return self._db.chat_enabled_since

    async def link(self, conversation_id: UUID) -> ConversationLink | None:
        await io()
        if conversation_id not in self._db.conversations:
            return None
        deliveries = self._db.deliveries_of(conversation_id)
        return ConversationLink(
            self._db.state(conversation_id),
            frozenset(m.id for m in self._db.messages_of(conversation_id)),
            frozenset(d.notice.activity_id for d in deliveries if d.notice.activity_id is not None),
            sum(1 for d in deliveries if d.notice.kind in STATUS_KINDS),
        )

    async def record(
        self, conversation_id: UUID, deliveries: Sequence[NewDelivery], status: StatusUpdate | None
    ) -> int:
        await io()
        if conversation_id not in self._db.conversations:
            raise LookupError(f"no conversation {conversation_id}")
        taken = {d.dedupe_key for d in self._db.deliveries.values()}
        fresh = [d for d in deliveries if d.dedupe_key not in taken]
        for item in fresh:
            row = DeliveryRecord(uuid4(), conversation_id, item.dedupe_key, item.notice, utcnow())
            self._db.deliveries[row.id] = row
            self._db.enqueue(
                JobKind.CHAT_DELIVERY,
                {"delivery_id": str(row.id)},
                queue_key=delivery_queue_key(conversation_id),
            )
        if status is not None:
            values: dict[str, Any] = {"case_status_applied": status.case_status_applied}
            if status.status is not None:
                values.update(status=status.status, status_changed_at=status.at)
            self._db.update_conversation(conversation_id, values)
        return len(fresh)

    async def load(self, delivery_id: UUID) -> StoredDelivery | None:
        await io()
        row = self._db.deliveries.get(delivery_id)
        if row is None:
            return None
        external_id = self._db.conversations[row.conversation_id]["external_id"]
        return StoredDelivery(
            row.id, row.conversation_id, row.state, replace(row.notice, conversation_id=external_id)
        )

    async def begin_attempt(self, delivery_id: UUID) -> None:
        await io()
        self._db.deliveries[delivery_id].attempts += 1
        self._db.deliveries[delivery_id].attempt_started_at = utcnow()

    async def finish(
        self,
        delivery_id: UUID,
        state: str,
        *,
        status: int | None,
        error: str | None,
        platform_message_id: str | None = None,
    ) -> None:
        await io()
        assert state in DELIVERY_STATES, state
        row = self._db.deliveries[delivery_id]
        row.state, row.last_status, row.last_error = state, status, error
        row.platform_message_id = platform_message_id or row.platform_message_id
        row.attempt_started_at = None
        if state == "delivered":
            row.delivered_at = utcnow()


class InMemoryReconcileStore:
    """ReconcileStorePort on an InMemoryDatabase: the reconciliation's leased row and the lookups it needs."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def acquire(
        self, owner: str, now: datetime, lease: timedelta, *, force: bool = False
    ) -> ReconcileCursors | None:
        await io()
        reconcile = self._db.reconcile
        if reconcile.leased_until is not None and reconcile.leased_until >= now:
            return None
        if not force and reconcile.next_run_at > now:
            return None
        reconcile.leased_until, reconcile.lease_owner = now + lease, owner
        return reconcile.cursors

    async def release(
        self, owner: str, cursors: ReconcileCursors, *, next_run_at: datetime, error: str | None
    ) -> None:
        await io()
        reconcile = self._db.reconcile
        if reconcile.lease_owner != owner:
            return
        reconcile.cursors, reconcile.next_run_at = cursors, next_run_at
        reconcile.leased_until, reconcile.lease_owner = None, None
        reconcile.last_run_at, reconcile.last_error = utcnow(), error

    async def linked(self, case_ids: Iterable[UUID]) -> dict[UUID, LinkedCase]:
        await io()
        wanted = set(case_ids)
        return {
            row["case_id"]: LinkedCase(cid, row["status"], row["case_status_applied"])
            for cid, row in self._db.conversations.items()
            if row["case_id"] in wanted and row["case_created_at"] is not None
        }

    async def unseen_activities(self, activity_ids: Iterable[UUID]) -> set[UUID]:
        await io()
        delivered = {d.notice.activity_id for d in self._db.deliveries.values()}
        return {i for i in activity_ids if i not in self._db.messages and i not in delivered}

    async def enqueue_checks(self, conversation_ids: Iterable[UUID]) -> int:
        await io()
        wanted = list(dict.fromkeys(conversation_ids))
        for conversation_id in wanted:
            self._db.enqueue_check(conversation_id)
        return len(wanted)


class InMemoryJobQueue:
    """JobQueuePort on an InMemoryDatabase: leases, one active job per queue key, in id order."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.completions: list[int] = []  # jobs the runner completed (not a handler's own last write)

    async def claim(self, worker: str, *, limit: int, lease: timedelta) -> list[ClaimedJob]:
        await io()
        now = utcnow()
        claimed: list[ClaimedJob] = []
        # Decided on the state before this claim, as the real query: of one key only the oldest is runnable.
        jobs = sorted(self._db.jobs.values(), key=lambda j: j.id)
        runnable = [j for j in jobs if self._ready(j, now) and not self._blocked(j, jobs)][:limit]
        for job in runnable:
            job.state, job.attempts = "running", job.attempts + 1
            job.leased_until, job.lease_owner, job.updated_at = now + lease, worker, now
            payload = json.loads(job.payload)
            claimed.append(
                ClaimedJob(job.id, job.kind, job.queue_key, payload, job.attempts, job.max_attempts, worker)
            )
        return claimed

    async def complete(self, job: ClaimedJob, worker: str) -> None:
        await io()
        if self._db.finish_job(job, worker, "done"):
            self.completions.append(job.id)

    async def retry_later(
        self,
        job: ClaimedJob,
        worker: str,
        error: str | None,
        run_after: datetime,
        *,
        spend_attempt: bool = True,
    ) -> None:
        await io()
        extra = {} if spend_attempt else {"attempts": job.attempts - 1}
        error_value = {} if error is None else {"last_error": error}
        self._db.finish_job(job, worker, "queued", run_after=run_after, **error_value, **extra)

    async def dead_letter(self, job: ClaimedJob, worker: str, error: str) -> None:
        await io()
        self._db.finish_job(job, worker, "dead", last_error=error)

    async def extend_lease(self, job: ClaimedJob, worker: str, until: datetime) -> bool:
        await io()
        record = self._db.jobs.get(job.id)
        if record is None or record.state != "running" or record.lease_owner != worker:
            return False
        record.leased_until = until
        return True

    async def purge_done(self, older_than: datetime, *, limit: int = 1000) -> int:
        await io()
        done = [j.id for j in self._db.jobs.values() if j.state == "done" and j.updated_at < older_than]
        for job_id in done[:limit]:
            del self._db.jobs[job_id]
        return len(done[:limit])

    async def retry_dead(self, job_id: int) -> bool:
        """An admin's retry: a dead job queued again with a fresh attempt budget."""
        await io()
        job = self._db.jobs.get(job_id)
        if job is None or job.state != "dead":
            return False
        job.state, job.attempts, job.run_after = "queued", 0, utcnow()
        return True

    @staticmethod
    def _ready(job: JobRecord, now: datetime) -> bool:
        if job.state == "queued":
            return job.run_after <= now
        return job.state == "running" and job.leased_until is not None and job.leased_until < now

    @staticmethod
    def _blocked(job: JobRecord, jobs: Sequence[JobRecord]) -> bool:
        if job.queue_key is None:
            return False
        return any(
            e.queue_key == job.queue_key and e.id < job.id and e.state in ACTIVE_JOB_STATES for e in jobs
        )
