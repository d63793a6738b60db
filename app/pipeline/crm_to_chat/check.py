"""Checks one conversation's case in the CRM and stores what the chat must hear: new replies, status
(which status notice a case's status calls for is decided here, for webhook and reconciliation alike)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from app.domain.crm_updates import CaseState, CaseStatusInfo, CaseValues, ChatNotice, CrmActivity
from app.ports.errors import NotConnected
from app.ports.external import CaseReaderPort, CaseReaderSource, CaseValuesObserver, SyncSettings
from app.ports.jobs import ClaimedJob
from app.ports.stores import ConversationLink, DeliveryStorePort, NewDelivery, StatusUpdate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyRules:
    """Which activities are agent replies, and whose are never delivered (besides Casebridge's own)."""

    type_names: tuple[str, ...] = ("Email",)
    integration_contact_id: UUID | None = None

    def is_reply(self, activity: CrmActivity, link: ConversationLink) -> bool:
        if activity.id in link.own_activity_ids or activity.id in link.delivered_activity_ids:
            return False  # the echo guard: what Casebridge wrote, or delivered already
        if self.integration_contact_id is not None and activity.created_by == self.integration_contact_id:
            return False
        return not activity.incoming and bool(activity.text)


class CrmToChat:
    def __init__(
        self,
        store: DeliveryStorePort,
        readers: CaseReaderSource,
        rules: ReplyRules,
        *,
        enabled: bool,  # Casebridge's own chat delivery (a URL); chat connectors' conversations always are
        replies_since: datetime | None = None,
        observer: CaseValuesObserver | None = None,
    ) -> None:
        """`replies_since`: agent replies written before it are history, never sent (chat delivery was
        enabled after them: the customer had them by other means, if at all). `observer` is told what the
        case's auto-filled columns held."""
        self._store = store
        self._readers = readers
        self._rules = rules
        self._enabled = enabled
        self._replies_since = replies_since
        self._observer = observer

    async def handle(self, job: ClaimedJob) -> None:
        """Job handler (webhook or reconciliation): re-read the case; a repeat finds nothing new."""
        await self.check(UUID(job.payload["conversation_id"]))

    async def check(self, conversation_id: UUID) -> int:
        """Store deliveries for what is new on the conversation's case; returns how many."""
        link = await self._store.link(conversation_id)
        if not self._enabled and (link is None or link.conversation.connector_id is None):
            # Casebridge's own contract has nowhere to deliver; a chat connector's conversation does.
            logger.warning("creatio change ignored: CASEBRIDGE_CHAT_WEBHOOK_URL is not set")
            return 0
        current = self._readers.current()
        if current is None:
            raise NotConnected("Creatio is not connected yet: save a connection with Test & Save")
        reader, settings = current
        if link is None or link.conversation.case_id is None or link.conversation.case_created_at is None:
            return 0
        case = await reader.read_case(link.conversation.case_id)
        if case is None:
            logger.warning(
                "linked case not found in Creatio", extra={"conversation_id": str(conversation_id)}
            )
            return 0
        if self._observer is not None and case.fields:
            done = is_done(case.status, settings.resolved_status_id)
            await self._observer.observe([CaseValues(case.id, case.fields, case.modified_on, done)])
        deliveries = [await self._reply(reader, link, case, a) for a in await self._new_replies(reader, link)]
        status = self._status(link, case, settings, deliveries)
        deliveries.sort(key=lambda d: (d.notice.occurred_at, d.notice.kind != "agent.replied"))  # as happened
        stored = await self._store.record(conversation_id, deliveries, status)
        if stored:
            logger.info("deliveries queued", extra={"conversation_id": str(conversation_id), "count": stored})
        return stored

    async def _new_replies(self, reader: CaseReaderPort, link: ConversationLink) -> list[CrmActivity]:
        assert link.conversation.case_id is not None
        type_ids = await reader.activity_type_ids(self._rules.type_names)
        activities = await reader.replies(link.conversation.case_id, type_ids)
        replies = [a for a in activities if self._rules.is_reply(a, link)]
        since = self._replies_since
        if since is None:
            return replies
        history = [a for a in replies if a.created_on < since]
        if history:
            logger.info(
                "agent replies from before chat delivery was enabled are not sent",
                extra={"conversation_id": str(link.conversation.id), "count": len(history)},
            )
        return [a for a in replies if a.created_on >= since]

    async def _reply(
        self, reader: CaseReaderPort, link: ConversationLink, case: CaseState, activity: CrmActivity
    ) -> NewDelivery:
        author = await reader.contact_name(activity.author_id) if activity.author_id else None
        notice = ChatNotice(
            kind="agent.replied",
            conversation_id=link.conversation.external_id,
            occurred_at=activity.created_on,
            case_id=case.id,
            case_number=case.number or link.conversation.case_number,
            activity_id=activity.id,
            text=activity.text,
            author_name=author,
        )
        return NewDelivery(f"activity:{activity.id}", notice)

    def _status(
        self, link: ConversationLink, case: CaseState, settings: SyncSettings, deliveries: list[NewDelivery]
    ) -> StatusUpdate | None:
        """Appends the status notice, if any, and returns the conversation fields to set."""
        conv = link.conversation
        step = status_step(
            is_done(case.status, settings.resolved_status_id), conv.status, conv.case_status_applied
        )
        if step is None:
            return None
        if step == "mark_resolved":
            return StatusUpdate(case_status_applied="resolved")
        at = case.modified_on or datetime.now(UTC)
        notice = ChatNotice(
            kind="conversation.resolved" if step == "resolve" else "conversation.reopened",
            conversation_id=conv.external_id,
            occurred_at=at,
            case_id=case.id,
            case_number=case.number or conv.case_number,
            status_id=case.status.id if case.status else None,
            status_name=case.status.name if case.status else None,
        )
        deliveries.append(NewDelivery(f"status:{conv.id}:{link.status_notices + 1}", notice))
        if step == "resolve":
            return StatusUpdate(case_status_applied="resolved", status="resolved", at=at)
        reopened_to = "handed_off" if conv.handoff_at is not None else "open"
        return StatusUpdate(case_status_applied="reopened", status=reopened_to, at=at)


# resolve: deliver conversation.resolved; reopen: deliver conversation.reopened;
# mark_resolved: the chat side is resolved already, only record that the case is resolved too.
StatusStep = Literal["resolve", "reopen", "mark_resolved"]


def is_done(status: CaseStatusInfo | None, resolved_status_id: UUID | None) -> bool:
    """A resolved or final status, or the connection's configured resolved status."""
    if status is None:
        return False
    return status.is_resolved or status.is_final or status.id == resolved_status_id


def status_step(done: bool, conversation_status: str, case_status_applied: str | None) -> StatusStep | None:
    """Compare the case with `case_status_applied`, the last resolved/reopened state Casebridge wrote or saw.

    The chat side's own resolution is written to the case by chat_to_crm, which sets
    `case_status_applied = "resolved"`, so the resulting status change in Creatio is not echoed back.
    """
    if done and case_status_applied != "resolved":
        return "mark_resolved" if conversation_status == "resolved" else "resolve"
    if not done and case_status_applied == "resolved":
        return "reopen"
    return None
