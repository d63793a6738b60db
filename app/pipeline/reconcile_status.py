"""Which status notice a case's CRM status calls for, given what the conversation already knows."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from app.domain.crm_updates import CaseStatusInfo

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
