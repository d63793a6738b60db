"""Syncs one conversation to its CRM case: creates it when due, then writes what is not there yet,
including the status that two-way resolution calls for."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from app.domain.case import ActivityDraft, ActivityKind, CaseChanges, CaseDraft, CustomerIdentity
from app.domain.case_text import CaseText, activity_body, activity_title, case_text, edited_by_others
from app.domain.events import internal_message_id
from app.domain.transcript import Transcript, TranscriptMessage
from app.pipeline.chat_to_crm.missing_reference import what_to_fix
from app.pipeline.jobs import Ending
from app.ports.errors import Deferred, MissingReference, NotConnected
from app.ports.external import AutofillPort, CrmPort, CurrentCrm, SyncSettings
from app.ports.jobs import ClaimedJob
from app.ports.stores import (
    ConversationSnapshot,
    ConversationState,
    ConversationStorePort,
    Note,
    StoredMessage,
)

logger = logging.getLogger(__name__)
# What a chat connector's platform reports of a reply Casebridge posted (its webhook echo): the new messages
# of such authors wait while a delivery to the platform is under way, until its answer names the message.
ECHO_AUTHORS = ("agent", "ai")
WAITING_FOR_DELIVERY = (
    "a delivery to the chat platform is under way: new agent or AI messages may be its echo, so they wait "
    "for its answer"
)


class ConversationSync:
    def __init__(self, store: ConversationStorePort, crm: CurrentCrm, autofill: AutofillPort) -> None:
        self._store = store
        self._crm = crm
        self._autofill = autofill

    async def handle(self, job: ClaimedJob) -> Ending | None:
        """Job handler: any retry first checks which records already exist, so nothing is written twice.
        A sync that writes to Creatio marks its job done in the same write that records what it wrote."""
        conversation_id = UUID(job.payload["conversation_id"])
        wrote = await self.sync(conversation_id, verify_existing=job.attempts > 1, job=job)
        return Ending.RECORDED if wrote else None

    async def sync(
        self, conversation_id: UUID, *, verify_existing: bool, job: ClaimedJob | None = None
    ) -> bool:
        """True when it ended with the write that records the sync, which also marked `job` done."""
        current = self._crm.current()
        if current is None:
            raise NotConnected("Creatio is not connected yet: save a connection with Test & Save")
        crm, settings = current
        snapshot = await self._store.load(conversation_id)
        if snapshot is None:
            return False
        if snapshot.delivery_in_flight and any(m.author in ECHO_AUTHORS for m in snapshot.unsynced):
            raise Deferred(WAITING_FOR_DELIVERY, retry_after=1.0)
        conversation = snapshot.conversation
        try:
            if conversation.case_created_at is None:
                if settings.create_case_only_on_handoff and conversation.handoff_at is None:
                    return False  # handoff-only mode: nothing reaches Creatio before the handoff
                await self._create_case(snapshot, crm, settings, _Run(verify_existing, job))
            else:
                await self._update_case(snapshot, crm, settings, _Run(verify_existing, job))
        except MissingReference as exc:
            raise what_to_fix(exc, settings) from exc
        return True

    async def _create_case(
        self, snapshot: ConversationSnapshot, crm: CrmPort, settings: SyncSettings, run: _Run
    ) -> None:
        conv = snapshot.conversation
        contact_id, new_contact, decided = await self._contact(conv, crm, settings)
        case_id = conv.case_id or uuid4()
        if conv.case_id is None:
            decided["case_id"] = case_id
        handed_off = conv.handoff_at is not None
        filled = Filled()
        if handed_off:
            filled = await self._autofill_fields(snapshot, crm, decided, case_exists=False)
        # The ids this write creates are stored before it; messages that arrived meanwhile come along.
        snapshot = await self._prepare(snapshot, decided, filled)
        text = _case_text(snapshot, settings)
        # A conversation already resolved gets its status in the same write (one request fewer).
        status = await decide_status(snapshot.conversation, settings, crm)
        draft = CaseDraft(
            id=case_id,
            subject=text.subject,
            symptoms=text.symptoms,
            contact_id=contact_id,
            owner_id=settings.default_owner_id,
            group_id=settings.default_group_id,
            fields=filled.fields,
            status_id=status.status_id,
        )
        pending = snapshot.unsynced
        activities = _drafts(pending, snapshot.conversation, case_id, contact_id, url_on_first=True)
        ref = await crm.create_case(
            draft, activities, new_contact=new_contact, verify_existing=run.verify_existing
        )
        logger.info("case created", extra={"conversation_id": str(conv.id), "activities": len(activities)})
        applied = _applied(conv, status) | _written(text)
        applied |= {"case_number": ref.number, "case_created_at": datetime.now(UTC)}
        if new_contact:
            applied["contact_state"] = "created"
        await self._store.record_synced(conv.id, [m.id for m in pending], applied, run.job)

    async def _update_case(
        self, snapshot: ConversationSnapshot, crm: CrmPort, settings: SyncSettings, run: _Run
    ) -> None:
        conv = snapshot.conversation
        assert conv.case_id is not None
        text = await self._new_case_text(snapshot, crm, settings)
        changes: dict[str, Any] = dict(text.changes)
        decided: dict[str, Any] = dict(text.sending)
        filled = Filled()
        if conv.handoff_pending:
            filled = await self._autofill_fields(snapshot, crm, decided, case_exists=True)
            changes.update(
                owner_id=settings.default_owner_id, group_id=settings.default_group_id, fields=filled.fields
            )
        snapshot = await self._prepare(snapshot, decided, filled)
        status = await decide_status(snapshot.conversation, settings, crm)
        if status.status_id is not None:
            changes["status_id"] = status.status_id
        case_changes = CaseChanges(**changes)
        pending = snapshot.unsynced
        if not case_changes.is_empty() or pending:
            activities = _drafts(
                pending, snapshot.conversation, conv.case_id, conv.contact_id, url_on_first=False
            )
            await crm.update_case(conv.case_id, case_changes, activities, verify_existing=run.verify_existing)
        applied = _applied(conv, status) | text.recorded
        await self._store.record_synced(conv.id, [m.id for m in pending], applied, run.job)

    async def _new_case_text(
        self, snapshot: ConversationSnapshot, crm: CrmPort, settings: SyncSettings
    ) -> TextUpdate:
        """When the rule's Subject and Symptoms changed since Casebridge wrote them (a customer message sent
        earlier arrived later), the new ones, unless an agent has edited them in Creatio meanwhile. Creatio
        is read only then; what an unrecorded earlier attempt was writing counts as Casebridge's own."""
        conv = snapshot.conversation
        assert conv.case_id is not None
        if (
            conv.case_text_edited_at is not None
            or conv.subject_written is None
            or conv.symptoms_written is None
        ):
            return TextUpdate()  # an agent's text, or a case created before Casebridge recorded its own
        written = CaseText(conv.subject_written, conv.symptoms_written)
        sending = None
        if conv.subject_sending is not None and conv.symptoms_sending is not None:
            sending = CaseText(conv.subject_sending, conv.symptoms_sending)
        wanted = _case_text(snapshot, settings)
        if wanted == written and sending is None:
            return TextUpdate()
        found = await crm.read_case(conv.case_id, ("Subject", "Symptoms"))
        if found is None:
            return TextUpdate()  # the update meets the missing case
        current = CaseText(found.get("Subject") or "", found.get("Symptoms") or "")
        done_sending: dict[str, Any] = {"subject_sending": None, "symptoms_sending": None}
        if edited_by_others(current, [t for t in (written, sending) if t is not None]):
            logger.info(
                "the case's subject or symptoms were edited in Creatio; Casebridge leaves them as they are",
                extra={"conversation_id": str(conv.id)},
            )
            return TextUpdate(recorded=done_sending | {"case_text_edited_at": datetime.now(UTC)})
        changes = {
            name: value
            for name, value in (("subject", wanted.subject), ("symptoms", wanted.symptoms))
            if getattr(current, name) != value
        }
        if not changes:
            return TextUpdate(recorded=done_sending | _written(wanted))
        sending_now = {"subject_sending": wanted.subject, "symptoms_sending": wanted.symptoms}
        return TextUpdate(changes, sending_now, done_sending | _written(wanted))

    async def _prepare(
        self, snapshot: ConversationSnapshot, decided: dict[str, Any], filled: Filled
    ) -> ConversationSnapshot:
        if not decided and filled.note is None and not filled.audit:
            return snapshot
        return await self._store.prepare(snapshot.conversation.id, decided, filled.note, filled.audit)

    async def _contact(
        self, conv: ConversationState, crm: CrmPort, settings: SyncSettings
    ) -> tuple[UUID | None, tuple[UUID, CustomerIdentity] | None, dict[str, Any]]:
        """The case's contact: matched, or a new one (its id is stored before it is created), and the
        conversation fields that record the decision."""
        customer = CustomerIdentity(conv.customer_name, conv.customer_email, conv.customer_phone)
        if conv.contact_state == "creating" and conv.contact_id is not None:
            return conv.contact_id, (conv.contact_id, customer), {}
        if conv.contact_state != "unknown":
            return conv.contact_id, None, {}
        if not customer.is_known or not settings.contact_match_on:
            return None, None, {"contact_state": "none"}
        found = await crm.find_contact(customer, settings.contact_match_on)
        if found is not None:
            return found, None, {"contact_id": found, "contact_state": "matched"}
        new_id = uuid4()
        return new_id, (new_id, customer), {"contact_id": new_id, "contact_state": "creating"}

    async def _autofill_fields(
        self, snapshot: ConversationSnapshot, crm: CrmPort, decided: dict[str, Any], *, case_exists: bool
    ) -> Filled:
        """Fill fields once per handoff; the values (added to `decided`), the note and the audit rows are
        stored before the write, so a retry writes the same values and the note is one activity."""
        conv = snapshot.conversation
        if conv.autofill_fields is not None and conv.autofill_for == conv.handoff_at:
            return Filled(json.loads(conv.autofill_fields))
        decided["autofill_for"] = conv.handoff_at
        try:
            result = await self._autofill.fill(
                _transcript(snapshot), conv.case_id if case_exists else None, crm
            )
        except Exception:  # auto-fill must never block case creation or handoff
            logger.exception(
                "field auto-fill failed; continuing without it", extra={"conversation_id": str(conv.id)}
            )
            decided["autofill_fields"] = "{}"
            return Filled()
        fields = dict(result.fields)
        decided["autofill_fields"] = json.dumps(fields, sort_keys=True)
        note = None
        if result.note and conv.handoff_at is not None:
            note_id = internal_message_id("autofill", conv.handoff_at.isoformat())
            note = Note(note_id, result.note, conv.handoff_at)
        return Filled(fields, note, result.audit)


@dataclass(frozen=True)
class _Run:
    """How this sync runs: checking for records a failed attempt may have left; the job to mark done."""

    verify_existing: bool
    job: ClaimedJob | None


@dataclass(frozen=True)
class TextUpdate:
    """A new Subject and Symptoms for an existing case: the columns to change, what is stored before the
    write (it may reach Creatio even if the answer is lost) and what is recorded after it."""

    changes: dict[str, str] = field(default_factory=dict)
    sending: dict[str, Any] = field(default_factory=dict)
    recorded: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Filled:
    """What auto-fill decided for one handoff: case values, the note explaining them, the audit rows."""

    fields: dict[str, Any] = field(default_factory=dict)
    note: Note | None = None
    audit: tuple[Mapping[str, Any], ...] = ()


def _applied(conv: ConversationState, status: StatusDecision) -> dict[str, Any]:
    values: dict[str, Any] = {
        "handoff_applied_at": conv.handoff_at,
        "warning": status.warning,
    }
    if status.applied is not None:
        values["case_status_applied"] = status.applied
    return values


def _case_text(snapshot: ConversationSnapshot, settings: SyncSettings) -> CaseText:
    """What the rule gives for the conversation as it now stands."""
    summary_only = settings.create_case_only_on_handoff
    conv = snapshot.conversation
    return case_text(_transcript(snapshot), conv.handoff_summary, symptoms_from_handoff=summary_only)


def _written(text: CaseText) -> dict[str, Any]:
    return {"subject_written": text.subject, "symptoms_written": text.symptoms}


def _transcript(snapshot: ConversationSnapshot) -> Transcript:
    conv = snapshot.conversation
    messages = tuple(
        TranscriptMessage(m.id, m.author, m.text, m.sent_at) for m in snapshot.messages if m.author != "note"
    )
    return Transcript(conv.external_id, conv.customer_name, messages)


def _drafts(
    messages: tuple[StoredMessage, ...],
    conv: ConversationState,
    case_id: UUID,
    contact_id: UUID | None,
    *,
    url_on_first: bool,
) -> list[ActivityDraft]:
    drafts = []
    for index, message in enumerate(messages):
        kind: ActivityKind = message.author  # type: ignore[assignment]
        url = conv.url if url_on_first and index == 0 else None
        drafts.append(
            ActivityDraft(
                id=message.id,
                case_id=case_id,
                kind=kind,
                title=activity_title(kind, message.text, conv.customer_name),
                body=activity_body(message.text, url),
                at=message.sent_at,
                contact_id=contact_id,
            )
        )
    return drafts


NO_RESOLVED_STATUS = (
    "The conversation was resolved, but no Resolved Status ID is configured, so the Creatio case was left "
    "open. Set it in the connection settings (Test & Save); the next event of this conversation applies it."
)


@dataclass(frozen=True)
class StatusDecision:
    status_id: UUID | None = None  # to write now
    applied: str | None = None  # what case_status_applied becomes once written
    warning: str | None = None  # shown on the conversation when the status cannot be written


async def decide_status(conv: ConversationState, settings: SyncSettings, crm: CrmPort) -> StatusDecision:
    if conv.status == "resolved":
        if conv.case_status_applied == "resolved":
            return StatusDecision()
        if settings.resolved_status_id is None:
            return StatusDecision(warning=NO_RESOLVED_STATUS)
        return StatusDecision(status_id=settings.resolved_status_id, applied="resolved")
    if conv.case_status_applied != "resolved":
        return StatusDecision()
    reopened = await crm.status_id_by_name(settings.reopen_status_name)
    if reopened is None:
        return StatusDecision(
            warning=f"The customer wrote again after the resolution, but Creatio has no case status named "
            f"{settings.reopen_status_name!r} to reopen the case with; set CASEBRIDGE_REOPEN_STATUS_NAME."
        )
    return StatusDecision(status_id=reopened, applied="reopened")
