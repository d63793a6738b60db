"""One conversation's timeline for the console: messages, deliveries, case activities, auto-fill, jobs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar.di import NamedDependency, Provide

from app.crm_connection.service import ConnectionService
from app.db.admin import AdminQueries, ConversationDetail, DeliveryAdmin
from app.db.stores.autofill_audit import AutofillAuditRow, AutofillAuditStore
from app.db.tables import DeliveryRow
from app.domain.creatio_ids import guid_or_none
from app.ports.errors import PipelineError
from app.settings import Settings

logger = logging.getLogger(__name__)
ACTIVITY_COLUMNS = ["Id", "Title", "CreatedOn", "DetailedResult"]
MAX_ACTIVITIES = 200
AUTHOR_LABELS = {
    "customer": "Customer",
    "ai": "AI assistant",
    "handoff": "Handoff summary",
    "note": "Auto-fill note (on the case only)",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    author: str  # customer | ai | handoff | agent | system
    label: str
    text: str
    state: str | None = None  # a message: synced/pending; a delivery: its state
    detail: str | None = None


@dataclass
class Timeline:
    detail: ConversationDetail
    entries: list[TimelineEntry]
    deliveries: list[DeliveryRow]
    autofill: list[AutofillAuditRow]
    activities: list[dict[str, Any]] = field(default_factory=list)
    activities_problem: str | None = None
    case_url: str | None = None


class Timelines:
    """A dependency of the conversation page (`timelines: Timelines`), built from the services it names."""

    def __init__(
        self,
        admin_queries: NamedDependency[AdminQueries],
        delivery_admin: NamedDependency[DeliveryAdmin],
        autofill_audit: NamedDependency[AutofillAuditStore],
        connection: NamedDependency[ConnectionService],
        settings: NamedDependency[Settings],
    ) -> None:
        self._queries = admin_queries
        self._deliveries = delivery_admin
        self._audit = autofill_audit
        self._connection = connection
        self._settings = settings

    async def load(self, conversation_id: UUID) -> Timeline | None:
        detail = await self._queries.conversation(conversation_id)
        if detail is None:
            return None
        row = detail.summary.conversation
        deliveries = await self._deliveries.for_conversation(conversation_id)
        autofill = await self._audit.for_conversation(row.external_id)
        timeline = Timeline(detail, _entries(detail, deliveries), deliveries, autofill)
        if row.case_id is not None and row.case_created_at is not None:
            timeline.case_url = case_link(self._connection, self._settings, row.case_id)
            await self._read_activities(row.case_id, {m.id for m in detail.messages}, timeline)
        return timeline

    async def _read_activities(self, case_id: UUID, own: set[UUID], timeline: Timeline) -> None:
        """The case's activities, read live from Creatio; a failure is shown, never raised."""
        if self._connection.saved is None:
            timeline.activities_problem = "No Creatio connection is saved."
            return
        try:
            rows = await self._connection.case_activities(case_id, ACTIVITY_COLUMNS, MAX_ACTIVITIES)
        except PipelineError as exc:
            logger.info("could not read a case's activities", extra={"problem": exc.message})
            timeline.activities_problem = exc.message
            return
        for row in rows:
            row["by_casebridge"] = guid_or_none(row.get("Id")) in own
        timeline.activities = rows


TIMELINES = {"timelines": Provide(Timelines, sync_to_thread=False)}


def _entries(detail: ConversationDetail, deliveries: list[DeliveryRow]) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            at=m.sent_at,
            author=m.author,
            label=AUTHOR_LABELS.get(m.author, m.author),
            text=m.text,
            state="synced" if m.synced_at else "pending",
            detail=f"reached Creatio {m.synced_at:%Y-%m-%d %H:%M:%S} UTC" if m.synced_at else None,
        )
        for m in detail.messages
    ]
    for d in deliveries:
        if d.kind == "agent.replied":
            label, author, text = f"Agent reply ({d.author_name or 'agent'})", "agent", d.text or ""
        else:
            label, author = "Case status", "system"
            text = f"{d.kind.replace('conversation.', 'Conversation ')}: case status {d.status_name or '?'}"
        entries.append(TimelineEntry(d.occurred_at, author, label, text, d.state, d.last_error))
    return sorted(entries, key=lambda e: e.at)


def case_link(connection: ConnectionService, settings: Settings, case_id: UUID | None) -> str | None:
    """Where a case opens: its Creatio case page, or the sandbox agent console for the sandbox."""
    saved = connection.saved
    if case_id is None or saved is None:
        return None
    instance = saved.settings.instance_url.rstrip("/")
    sandbox = settings.sandbox_url
    if sandbox is not None and instance == sandbox.rstrip("/"):
        return f"/demo/agent/cases/{case_id}"
    return f"{instance}/0/Nui/ViewModule.aspx#CardModuleV2/CasePage/edit/{case_id}"
